using Overseer.Models;

namespace Overseer.Handlers;

/// <summary>The one rule about handler versions (<see cref="IEventHandler.Version"/>): a worker's effects are committed
/// with one version; a run whose handler has another one commits nothing and halts, until the operator rebuilds
/// (<c>rewind --to 0</c>) or accepts the new version. The store enforces it at every commit (the fence refuses
/// <see cref="Outputs.CommitOutcome.VersionChanged"/>); a run also checks it as it starts, before fetching anything.</summary>
internal static class HandlerVersions
{
    /// <summary>What <see cref="WorkerHalt.ErrorType"/> says of a version halt.</summary>
    public const string ErrorType = "HandlerVersion";

    /// <summary>Whether a run whose handler has <paramref name="current"/> must not commit on a cursor that holds
    /// <paramref name="committed"/>. Nothing recorded yet (a new worker, one committed before versions were recorded, one
    /// rewound to 0) or no handler: it may, and its first commit records its version.</summary>
    public static bool Differ(int? committed, int? current) => committed is { } c && current is { } v && c != v;

    /// <summary>The halt of worker <paramref name="workerId"/> at <paramref name="checkpoint"/>: its effects were committed
    /// with <paramref name="committed"/>, and this silo's handler has <paramref name="current"/>. The sentence says what to
    /// do: for a newer handler, rebuild or accept; for an older one (a silo the deploy has not reached), wait for the
    /// deploy and resume. <paramref name="whyNoRebuild"/> (the output's <see cref="Outputs.IWorkerOutput.WhyEffectsCannotBeRemoved"/>)
    /// says why a rebuild is not offered, when it is not.</summary>
    public static WorkerHalt Halt(string workerId, string? handler, int committed, int current, long checkpoint, DateTimeOffset now, string? whyNoRebuild = null) =>
        new(HaltReason.HandlerVersion, checkpoint, Payload: null, ErrorType, Describe(workerId, handler, committed, current, checkpoint, whyNoRebuild), Attempts: 0, now, committed, current);

    /// <summary>Whether a worker halted on a version change may simply run on a silo whose handler has
    /// <paramref name="current"/>: the version its effects were committed with (the halt was a silo of the other version).</summary>
    public static bool RunsHere(WorkerHalt? halt, int? current) =>
        halt is { Reason: HaltReason.HandlerVersion, CommittedVersion: { } committed } && current == committed;

    /// <summary>Why worker <paramref name="workerId"/> cannot be accepted; null when it waits on a version change.</summary>
    public static string? WhyNotAccept(string workerId, WorkerStatus status, WorkerHalt? halt) =>
        status == WorkerStatus.Halted && halt is { Reason: HaltReason.HandlerVersion }
            ? null
            : Workers.HaltDescriptions.Of(workerId, status, halt) is { } halted
                ? $"worker '{workerId}' is not waiting on a handler version change: {halted}"
                : $"worker '{workerId}' is {status.ToString().ToLowerInvariant()}, not waiting on a handler version change: accept continues a worker that halted because its handler's version is not the one its effects were committed with (status shows it halted with reason handler-version)";

    private static string Describe(string workerId, string? handler, int committed, int current, long checkpoint, string? whyNoRebuild) =>
        current > committed
            ? $"handler '{handler}' is version {current} on this silo, and worker '{workerId}' committed its effects up to seq {checkpoint} with version {committed}: "
              + "it waits, so that the two versions' effects are never mixed. "
              + (whyNoRebuild is null
                  ? $"Rebuild with the new code: overseer rewind {workerId} --to 0; or keep the effects and continue from seq {checkpoint} with version {current}: overseer accept {workerId}"
                  : $"Keep the effects and continue from seq {checkpoint} with version {current}: overseer accept {workerId} (a rebuild with rewind --to 0 is not possible: {whyNoRebuild})")
            : $"handler '{handler}' is version {current} on this silo, older than version {committed} that worker '{workerId}' committed its effects with up to seq {checkpoint}: "
              + $"it waits for a silo with version {committed} (finish the deploy, then overseer resume {workerId}; it also runs again by itself when activated on such a silo); "
              + $"to continue with version {current} instead: overseer accept {workerId}";
}
