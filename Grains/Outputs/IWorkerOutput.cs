using Overseer.Sources;

namespace Overseer.Outputs;

/// <summary>Where a worker's batches take effect, with its <see cref="Cursors"/> beside them: a batch's effects, the
/// checkpoint advance and the source token are one atomic step of one store (a Lua script, a PostgreSQL transaction),
/// fenced by the cursor's generation, the stop, the pool lease and the sequence rules. That step is the seam: nothing
/// that must be atomic crosses it.</summary>
internal interface IWorkerOutput
{
    /// <summary>The cursors of the workers on this output, kept in the same store as their effects.</summary>
    ICursorStore Cursors { get; }

    /// <summary>The dead letters this output keeps for poison policy dead-letter; null when it cannot keep them (the Redis
    /// stream output: its stream is in seq order, so a passed event could never be replayed into its place).</summary>
    IDeadLetters? DeadLetters { get; }

    /// <summary>Why this output cannot pass a poison event (policy skip or dead-letter, an operator's skip), as a sentence
    /// for the operator; null when it can.</summary>
    string? WhyEventsCannotBePassed { get; }

    /// <summary>Applies the batch (through its handler, if any) and advances the checkpoint (and token) atomically if the
    /// generation is still current, the worker is not stopped and the lease has not expired; a batch with
    /// <see cref="CommitBatch.Pass"/> passes its one event instead (no handler; a dead letter if the pass says so). A
    /// handler failure that is not an outage throws <see cref="Handlers.HandlerFailedException"/> with nothing written.
    /// Retrying a commit whose
    /// reply was lost is safe: it reports Committed without applying twice. A batch that breaks the cursor contract
    /// (not increasing, or a gap in a dense sequence) is refused with an <see cref="InvalidOperationException"/>.</summary>
    Task<CommitResult> CommitAsync(string workerId, CommitBatch batch, CancellationToken cancellationToken);

    /// <summary>Rolls a running worker back after its source's history changed (a chain reorganization): removes every
    /// effect after <see cref="CommitRollback.ToSeq"/> and sets the checkpoint and token, in one fenced step (as a commit:
    /// refused as <see cref="CommitOutcome.Fenced"/> or <see cref="CommitOutcome.StoreBehind"/> with nothing written).
    /// Retrying one whose reply was lost is safe. An output that cannot undo its effects answers
    /// <see cref="RollbackResult.Refusal"/>, the default.</summary>
    Task<RollbackResult> RollBackAsync(string workerId, CommitRollback rollback, CancellationToken cancellationToken) =>
        Task.FromResult(RollbackResult.Refused(
            rollback.Checkpoint,
            "its output cannot undo committed effects yet (only the Redis stream output can): rewind it past the fork and resume it"));

    /// <summary>Moves the cursor of a stopped worker back to <paramref name="toSeq"/>: removes every effect after it and
    /// sets the checkpoint and <paramref name="token"/>, if <paramref name="generation"/> (the stopper's) is still
    /// current. Returns the events removed (null when the output cannot count them). Refused with an
    /// <see cref="InvalidOperationException"/> when the generation moved on, the worker is not stopped,
    /// <paramref name="toSeq"/> is beyond the checkpoint, or the output cannot remove effects.</summary>
    Task<long?> RewindAsync(string workerId, WorkerBinding binding, long generation, long toSeq, string? token, CancellationToken cancellationToken);

    /// <summary>Removes the cursor and, unless <paramref name="keepEffects"/>, the effects, if <paramref name="generation"/>
    /// (the deleter's stop's) is still the cursor's, or there is no cursor (null: whatever it holds, for what a delete cut
    /// short left). Returns the events removed (null when the output cannot count them). Refused with a
    /// <see cref="GenerationMovedException"/>, nothing removed, when the generation moved on: someone took the worker
    /// over since the deleter's stop (a deleter held up after its stop, while the worker was deleted and started again).</summary>
    Task<long?> DeleteAsync(string workerId, WorkerBinding binding, long? generation, bool keepEffects, CancellationToken cancellationToken);

    /// <summary>Why a rewind, or a delete that does not keep effects, cannot remove <paramref name="binding"/>'s
    /// effects (a PostgreSQL handler without a rewind hook), as a sentence for the operator; null when it can. Asked
    /// before anything changes, so that such a command is refused whole.</summary>
    string? WhyEffectsCannotBeRemoved(WorkerBinding binding);

    /// <summary>Effects held for the worker (events, where countable; else 0) and whether a cursor exists.</summary>
    Task<(long Effects, bool HasCursor)> InspectAsync(string workerId, CancellationToken cancellationToken);

    /// <summary>Committed events from <paramref name="fromSeq"/> inclusive, in order; refused with an
    /// <see cref="Errors.OverseerException"/> by an output whose effects are not events.</summary>
    Task<IReadOnlyList<SourceEvent>> ReadAsync(string workerId, long fromSeq, int count, CancellationToken cancellationToken);
}
