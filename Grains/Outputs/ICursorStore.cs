namespace Overseer.Outputs;

/// <summary>The cursor half of an output: who owns a worker's progress. Every activation claims a new generation, and a
/// stop bumps it in the same step that records it, so that a stale or stopped run can never commit (the output's commit
/// checks the generation atomically with its effects). Each output keeps its cursors beside its effects, so that there
/// is never a second cursor that could disagree.</summary>
internal interface ICursorStore
{
    /// <summary>Takes a new generation (fencing out every older one) and returns the cursor. While the worker is stopped,
    /// or has no cursor (never created, or deleted), nothing is claimed (<see cref="WorkerCursor.Stopped"/>) unless
    /// <paramref name="start"/> (a start or resume) clears the stop first.</summary>
    Task<WorkerCursor> ClaimAsync(string workerId, bool start, CancellationToken cancellationToken);

    /// <summary>An operator's <c>accept</c>: a start's claim (a new generation, the stop cleared) that also records
    /// <paramref name="handlerVersion"/> as the version the worker's effects are committed with, in the same atomic step,
    /// so that from then on only that version's batches commit.</summary>
    Task<WorkerCursor> AcceptAsync(string workerId, int handlerVersion, CancellationToken cancellationToken);

    /// <summary>A start's, resume's or accept's claim (<see cref="ClaimAsync"/> with start, or <see cref="AcceptAsync"/>
    /// with <paramref name="acceptVersion"/>) by an activation that has seen generations up to
    /// <paramref name="knownGeneration"/>: null, nothing changed, when the cursor holds a newer one (as
    /// <see cref="StopAsync"/>: a command held up after its checks must not take over a worker that moved on).</summary>
    Task<WorkerCursor?> StartKnowingAsync(string workerId, long knownGeneration, int? acceptVersion, CancellationToken cancellationToken);

    /// <summary>The cursor of a brand-new worker: checkpoint 0, no token, not stopped, a generation above any left over;
    /// null (and nothing changed) when the output still holds effects of this id that a delete kept.</summary>
    Task<WorkerCursor?> CreateAsync(string workerId, CancellationToken cancellationToken);

    /// <summary>Records the stop and bumps the generation in one atomic step, fencing every activation; returns the
    /// cursor the stopper now owns. Unless the stored generation is above <paramref name="knownGeneration"/> (null: any),
    /// the newest one the stopper has seen: then someone the stopper has not heard of took the cursor since (another
    /// activation, or a delete and a start of the worker again), and nothing changes (null).</summary>
    /// <remarks>So a command fences only what its activation knows: a command that checked its activation was current and
    /// was then held up (a frozen silo, declared dead meanwhile) cannot stop, and so take over, a worker that moved on
    /// without it. Generations only grow, across deletes too (<see cref="Generations"/>), so no later owner's can be at
    /// or below one seen before it.</remarks>
    Task<WorkerCursor?> StopAsync(string workerId, long? knownGeneration, CancellationToken cancellationToken);

    /// <summary>The cursor as stored, without claiming it.</summary>
    Task<WorkerCursor> GetAsync(string workerId, CancellationToken cancellationToken);
}
