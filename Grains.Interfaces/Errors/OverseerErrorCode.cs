namespace Overseer.Errors;

/// <summary>Why an Overseer operation was refused.</summary>
[GenerateSerializer, Alias("overseer.OverseerErrorCode")]
public enum OverseerErrorCode
{
    /// <summary>An argument (id, spec, option, query) is malformed.</summary>
    InvalidArgument = 0,
    /// <summary>No worker has this id.</summary>
    UnknownWorker = 1,
    /// <summary>The request contradicts the worker's current state (e.g. a different spec for a live worker).</summary>
    Conflict = 2,
    /// <summary>A dependency (Redis, the source) is not reachable right now; retrying may succeed.</summary>
    Unavailable = 3,
    /// <summary>The running-worker pool is full and the caller asked not to queue (<c>start --try</c>), or a
    /// blocking start (<c>start --wait</c>) timed out while the worker was still pending.</summary>
    PoolFull = 4,
}
