using Overseer.Models;

namespace Overseer.Workers;

/// <summary>What a halted worker halted on, and the ways out, as the clause an operator's refused command ends with
/// (a skip of a worker halted on a version change, an accept of one halted on a reorg…): one wording per reason.</summary>
internal static class HaltDescriptions
{
    /// <summary>"it halted on …; …" for a halted worker; null for one that is not halted.</summary>
    public static string? Of(string workerId, WorkerStatus status, WorkerHalt? halt) =>
        status != WorkerStatus.Halted || halt is null ? null
        : halt.Reason switch
        {
            HaltReason.PoisonEvent => $"it halted on a poison event at seq {halt.Seq} ({halt.ErrorType}); resume it after a fix, skip the event, or rewind it",
            HaltReason.HandlerVersion => $"it halted on a handler version change at seq {halt.Seq}; accept the new version (overseer accept {workerId}) or rebuild (overseer rewind {workerId} --to 0)",
            HaltReason.Reorg => $"it halted at seq {halt.Seq} on a reorg it cannot roll back ({halt.Error}); rewind it to before the fork, then resume it",
            _ => $"it halted at seq {halt.Seq}: {halt.Error}",
        };
}
