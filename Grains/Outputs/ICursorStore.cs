namespace Overseer.Outputs;

/// <summary>The cursor half of an output: who owns a worker's progress. Every activation claims a new generation, and a
/// stop bumps it in the same step that records it, so that a stale or stopped run can never commit (the output's commit
/// checks the generation atomically with its effects). Each output keeps its cursors beside its effects, so that there
/// is never a second cursor that could disagree.</summary>
internal interface ICursorStore
{
    /// <summary>The one claim each store implements: takes a new generation (fencing out every older one) and returns the
    /// cursor. While the worker is stopped, or has no cursor (never created, or deleted), nothing is claimed
    /// (<see cref="WorkerCursor.Stopped"/>) unless <paramref name="start"/> (a start or resume) clears the stop first. With
    /// <paramref name="acceptVersion"/> (an operator's <c>accept</c>) the claim also records it as the version the worker's
    /// effects are committed with, in the same atomic step, so that from then on only that version's batches commit.
    /// With <paramref name="knownGeneration"/> (the newest one the claimer has seen), nothing changes (null) when the
    /// cursor holds a newer one (as <see cref="StopAsync"/>: a command held up after its checks must not take over a
    /// worker that moved on).</summary>
    Task<WorkerCursor?> ClaimAsync(string workerId, bool start, int? acceptVersion, long? knownGeneration, CancellationToken cancellationToken);

    /// <summary>A claim (<see cref="ClaimAsync(string, bool, int?, long?, CancellationToken)"/>) by whoever asks: a new
    /// activation's before its first run, or a start's.</summary>
    async Task<WorkerCursor> ClaimAsync(string workerId, bool start, CancellationToken cancellationToken) =>
        (await ClaimAsync(workerId, start, acceptVersion: null, knownGeneration: null, cancellationToken))!.Value;

    /// <summary>An operator's <c>accept</c> by whoever asks: a start's claim that records <paramref name="handlerVersion"/>.</summary>
    async Task<WorkerCursor> AcceptAsync(string workerId, int handlerVersion, CancellationToken cancellationToken) =>
        (await ClaimAsync(workerId, start: true, handlerVersion, knownGeneration: null, cancellationToken))!.Value;

    /// <summary>The cursor of a brand-new worker: checkpoint 0, no token, not stopped, a generation above any left over;
    /// null (and nothing changed) when the output still holds effects of this id (that a delete kept, or that a delete cut
    /// short or a lost grain state left), which a new worker from seq 1 would apply again, or when the cursor holds a
    /// generation above <paramref name="knownGeneration"/> (null: any), the newest one the creator has seen (as
    /// <see cref="StopAsync"/>: a start held up after its checks must not reset a worker started since).</summary>
    Task<WorkerCursor?> CreateAsync(string workerId, long? knownGeneration, CancellationToken cancellationToken);

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
