namespace Overseer.Models;

/// <summary>What a worker does with a poison event: one its handler fails on deterministically (not an outage), after
/// the retries of its <see cref="PoisonPolicy"/>.</summary>
[GenerateSerializer, Alias("overseer.PoisonAction")]
public enum PoisonAction
{
    /// <summary>Stop at the event in <see cref="WorkerStatus.Halted"/>, with the event, the error and the attempts, until
    /// an operator resumes (after a fix), skips the event, or rewinds. The default: nothing is passed silently.</summary>
    Halt = 0,

    /// <summary>Pass the event without its effects; the skip is committed with the checkpoint that passes it.</summary>
    Skip = 1,

    /// <summary>Pass the event and keep it as a dead letter (event, error, attempts), written in the same transaction as the
    /// checkpoint that passes it, for an operator to replay or discard.</summary>
    DeadLetter = 2,
}
