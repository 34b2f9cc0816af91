namespace Overseer.Errors;

/// <summary>Why an Overseer operation failed: refused (<see cref="InvalidArgument"/>, <see cref="UnknownWorker"/>,
/// <see cref="Conflict"/>, <see cref="PoolFull"/>), not possible right now (<see cref="Unavailable"/>), or a fault inside
/// the cluster (<see cref="Internal"/>).</summary>
[GenerateSerializer, Alias("overseer.OverseerErrorCode")]
public enum OverseerErrorCode
{
    /// <summary>An argument (id, spec, option, query) is malformed.</summary>
    InvalidArgument = 0,
    /// <summary>No worker has this id.</summary>
    UnknownWorker = 1,
    /// <summary>The request contradicts the worker's current state (e.g. a different spec for a live worker).</summary>
    Conflict = 2,
    /// <summary>A store of the cluster (Redis, a team's PostgreSQL) or one of its silos is not reachable right now; retrying
    /// may succeed. The message names what is unavailable. Overseer.Client retries it like an unreachable gateway.</summary>
    Unavailable = 3,
    /// <summary>The running-worker pool is full and the caller asked not to queue (<c>start --try</c>), or a
    /// blocking start (<c>start --wait</c>) timed out while the worker was still pending.</summary>
    PoolFull = 4,
    /// <summary>An unexpected fault inside the cluster (a bug, not the caller's doing); the message names the original
    /// exception's type and message, and the silo logged it whole.</summary>
    Internal = 5,
}
