using Overseer.Sources;

namespace Overseer.Sinks;

/// <summary>Where a worker's events go. A batch and the checkpoint advance are one atomic step, fenced by a
/// generation that every new run claims, so a stale run can never commit.</summary>
public interface IEventSink
{
    /// <summary>Starts a run: takes a new generation (fencing out any older run) and returns the checkpoint.</summary>
    Task<SinkCursor> ClaimAsync(string workerId, CancellationToken cancellationToken);

    /// <summary>Appends <paramref name="events"/> (all after <paramref name="checkpoint"/>, increasing) and advances
    /// the checkpoint to the last one, atomically, if <paramref name="generation"/> is still current.
    /// Retrying a commit whose reply was lost is safe: it reports Committed without writing twice.</summary>
    Task<CommitResult> CommitAsync(string workerId, long generation, long checkpoint, IReadOnlyList<SourceEvent> events, CancellationToken cancellationToken);

    /// <summary>Committed events from <paramref name="fromSeq"/> inclusive, in order.</summary>
    Task<IReadOnlyList<SourceEvent>> ReadAsync(string workerId, long fromSeq, int count, CancellationToken cancellationToken);

    /// <summary>The committed checkpoint (0 when nothing was committed).</summary>
    Task<long> GetCheckpointAsync(string workerId, CancellationToken cancellationToken);

    /// <summary>The cursor as stored (generation and checkpoint), without claiming it.</summary>
    Task<SinkCursor> GetCursorAsync(string workerId, CancellationToken cancellationToken);
}
