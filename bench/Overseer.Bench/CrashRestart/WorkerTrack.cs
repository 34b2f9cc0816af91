namespace Overseer.Bench.CrashRestart;

/// <summary>One worker's pairing state and results (guarded by its <see cref="CrashCommitCollector"/>).</summary>
internal sealed class WorkerTrack
{
    public List<CrashCommitSample> Samples { get; private init; } = [];

    /// <summary>Whether an exit span said the worker ended Failed (its samples are then excluded).</summary>
    public bool Failed { get; set; }

    /// <summary>Crashes followed by another crash before any commit.</summary>
    public int Unpaired { get; set; }

    public long? LastThrow { get; set; }

    public long? PendingExit { get; set; }

    public long? PendingThrow { get; set; }

    public WorkerTrack Copy() => new() { Samples = [.. Samples], Failed = Failed, Unpaired = Unpaired };
}
