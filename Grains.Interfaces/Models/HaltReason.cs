namespace Overseer.Models;

/// <summary>Why a worker is <see cref="WorkerStatus.Halted"/>.</summary>
[GenerateSerializer, Alias("overseer.HaltReason")]
public enum HaltReason
{
    /// <summary>Its handler failed on an event (not an outage), and its poison policy is halt.</summary>
    PoisonEvent = 0,

    /// <summary>Its handler's version is not the one its effects were committed with: it waits for the operator to
    /// rebuild (<c>rewind --to 0</c>) or <c>accept</c> the new version.</summary>
    HandlerVersion = 1,

    /// <summary>Its source found that the chain no longer holds what was committed, and it cannot undo that (a reorg
    /// below the finalized block, or deeper than what it can roll back): it waits for the operator to rewind past the
    /// fork. The error names the block and both hashes.</summary>
    Reorg = 2,
}
