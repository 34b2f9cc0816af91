namespace Overseer.Models;

/// <summary>Lifecycle of a worker, as in an OTP supervision tree.</summary>
[GenerateSerializer, Alias("overseer.WorkerStatus")]
public enum WorkerStatus
{
    /// <summary>Accepted, not yet indexing.</summary>
    Pending = 0,
    /// <summary>Indexing its source.</summary>
    Running = 1,
    /// <summary>Crashed and waiting out its backoff before the supervisor restarts it.</summary>
    Backoff = 2,
    /// <summary>Stopped by a user; stays stopped whatever its restart policy.</summary>
    Stopped = 3,
    /// <summary>Its source is exhausted and its policy does not restart it.</summary>
    Completed = 4,
    /// <summary>Crashed beyond its restart intensity, or crashed with policy temporary.</summary>
    Failed = 5,
    /// <summary>Stopped by Overseer at an event its handler cannot process (poison policy halt), or at a handler version
    /// change, until an operator resumes, skips, accepts or rewinds (<see cref="WorkerInfo.Halt"/> says why). No restart
    /// budget is spent and nothing after the event is committed.</summary>
    Halted = 6,
}
