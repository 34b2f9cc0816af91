namespace Overseer.Sinks;

/// <summary>Result of one batch commit.</summary>
public enum CommitOutcome
{
    /// <summary>The batch, the new checkpoint and the source token were written together.</summary>
    Committed = 0,
    /// <summary>A newer run claimed the cursor, or the worker was stopped: this run is stale and must stop without writing.</summary>
    Fenced = 1,
    /// <summary>The run's pool slot lease had expired by Redis' clock: nothing was written; the run must hold a slot again
    /// before it may commit (the pool's cap holds across any pause).</summary>
    LeaseExpired = 2,
}
