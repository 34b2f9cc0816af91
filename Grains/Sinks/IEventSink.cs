namespace Overseer.Sinks;

/// <summary>Where a worker's events go, and the one cursor of its progress. A batch, the checkpoint advance and the
/// source token are one atomic step, fenced by a generation that every activation claims and that a stop bumps, so a
/// stale or stopped run can never commit.</summary>
public interface IEventSink
{
    /// <summary>Takes a new generation (fencing out every older one) and returns the cursor. While the worker is stopped,
    /// or has no cursor (never created, or deleted), nothing is claimed (<see cref="SinkCursor.Stopped"/>) unless
    /// <paramref name="start"/> (a start or resume) clears the stop first.</summary>
    Task<SinkCursor> ClaimAsync(string workerId, bool start, CancellationToken cancellationToken);

    /// <summary>The cursor of a brand-new worker: checkpoint 0, no token, not stopped, a generation above any left over;
    /// null (and nothing changed) when the worker's event stream still holds events (kept by a delete).</summary>
    Task<SinkCursor?> CreateAsync(string workerId, CancellationToken cancellationToken);

    /// <summary>Moves the cursor of a stopped worker back to <paramref name="toSeq"/>: removes every event after it and
    /// sets the checkpoint and <paramref name="token"/>, if <paramref name="generation"/> (the stopper's) is still
    /// current. Returns the events removed. Refused with an <see cref="InvalidOperationException"/> when the generation
    /// moved on, the worker is not stopped or <paramref name="toSeq"/> is beyond the checkpoint.</summary>
    Task<long> RewindAsync(string workerId, long generation, long toSeq, string? token, CancellationToken cancellationToken);

    /// <summary>Removes the cursor and, unless <paramref name="keepEvents"/>, the events. Returns the events removed.</summary>
    Task<long> DeleteAsync(string workerId, bool keepEvents, CancellationToken cancellationToken);

    /// <summary>Events in the stream and whether a cursor exists (what a delete would remove).</summary>
    Task<(long Events, bool HasCursor)> InspectAsync(string workerId, CancellationToken cancellationToken);

    /// <summary>Records the stop and bumps the generation in one atomic step, fencing every activation; returns the
    /// cursor the stopper now owns.</summary>
    Task<SinkCursor> StopAsync(string workerId, CancellationToken cancellationToken);

    /// <summary>Appends the batch and advances the checkpoint (and token) atomically if the generation is still current,
    /// the worker is not stopped and the lease has not expired. Retrying a commit whose reply was lost is safe: it
    /// reports Committed without writing twice. A batch that breaks the cursor contract (not increasing, or a gap in a
    /// dense sequence) is refused with an <see cref="InvalidOperationException"/>.</summary>
    Task<CommitResult> CommitAsync(string workerId, CommitBatch batch, CancellationToken cancellationToken);

    /// <summary>Committed events from <paramref name="fromSeq"/> inclusive, in order.</summary>
    Task<IReadOnlyList<Sources.SourceEvent>> ReadAsync(string workerId, long fromSeq, int count, CancellationToken cancellationToken);

    /// <summary>The cursor as stored, without claiming it.</summary>
    Task<SinkCursor> GetCursorAsync(string workerId, CancellationToken cancellationToken);
}
