namespace Overseer.Outputs;

/// <summary>Result of one batch commit.</summary>
internal enum CommitOutcome
{
    /// <summary>The batch, the new checkpoint and the source token were written together.</summary>
    Committed = 0,
    /// <summary>A newer run claimed the cursor, or the worker was stopped: this run is stale and must stop without writing.</summary>
    Fenced = 1,
    /// <summary>The run's pool slot lease had expired by Redis' clock: nothing was written; the run must hold a slot again
    /// before it may commit (the pool's cap holds across any pause).</summary>
    LeaseExpired = 2,
    /// <summary>The stored checkpoint is behind the one this run committed: Redis lost acknowledged commits (a restart
    /// with <c>appendfsync everysec</c> can lose the last second or two). The events after it went with it (a batch and
    /// its checkpoint are one script), so nothing was written and the run resumes from the stored cursor.</summary>
    StoreBehind = 3,
    /// <summary>The cursor holds effects of another handler version than the batch's (<see cref="CommitResult.HandlerVersion"/>
    /// says which): nothing was written. The run waits for the operator (accept or rewind --to 0); a silo with the other
    /// version may go on committing.</summary>
    VersionChanged = 4,
    /// <summary>The stored checkpoint is ahead of the one this run expects, under the run's own generation: commits this run
    /// does not know of are stored. Seen in a Sentinel failover whose election was retried, when two nodes took writes
    /// for a moment and the run went back to one's checkpoint before the other answered. Nothing was written; the stored
    /// cursor is the truth (the events up to it were written with it, in one step), and the run resumes from it.</summary>
    StoreAhead = 5,
}
