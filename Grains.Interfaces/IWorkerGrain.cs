using System.Collections.Immutable;
using Overseer.Models;

namespace Overseer;

/// <summary>A long-lived, Redis-persisted worker that indexes one source. Keyed by the worker id.</summary>
/// <remarks>Clients start, stop and resume workers through <see cref="IManagerGrain"/> so that the registry
/// knows about them; status and events are read from the worker directly.</remarks>
[Alias("overseer.IWorkerGrain")]
public interface IWorkerGrain : IGrainWithStringKey
{
    /// <summary>Starts (or, if stopped/completed/failed, restarts) the worker with this spec. Idempotent for an
    /// identical spec; a different spec for a live worker is a <see cref="Errors.OverseerErrorCode.Conflict"/>.</summary>
    [Alias("Start")]
    Task<WorkerInfo> StartAsync(WorkerSpec spec, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="StartAsync(WorkerSpec, CancellationToken)"/>; with <see cref="StartMode.Try"/> a full
    /// running-worker pool refuses the start (<see cref="Errors.OverseerErrorCode.PoolFull"/>) instead of queueing it.</summary>
    [Alias("StartWithMode")]
    Task<WorkerInfo> StartAsync(WorkerSpec spec, StartMode mode, CancellationToken cancellationToken = default);

    /// <summary>Stops the worker; it stays stopped across crashes and restarts until resumed.</summary>
    [Alias("Stop")]
    Task<WorkerInfo> StopAsync(CancellationToken cancellationToken = default);

    /// <summary>Puts a stopped, completed or failed worker back to work with a fresh restart budget.</summary>
    [Alias("Resume")]
    Task<WorkerInfo> ResumeAsync(CancellationToken cancellationToken = default);

    /// <summary>The worker's current snapshot.</summary>
    [Alias("GetInfo")]
    Task<WorkerInfo> GetInfoAsync(CancellationToken cancellationToken = default);

    /// <summary>Committed events from <paramref name="fromSeq"/> (inclusive), in order, at most <paramref name="count"/>.</summary>
    [Alias("GetEvents")]
    Task<ImmutableArray<WorkerEvent>> GetEventsAsync(long fromSeq, int count, CancellationToken cancellationToken = default);

    /// <summary>Forgets the worker: stops it (fenced like <see cref="StopAsync"/>), then removes its registry row, its pool
    /// slot or queue place, its state, its cursor and (unless <paramref name="keepEvents"/>) its events. A start with the same
    /// id afterwards begins at seq 1. An id with nothing but kept events (or a delete cut short) has those removed; an id
    /// with nothing at all is <see cref="Errors.OverseerErrorCode.UnknownWorker"/>.</summary>
    [Alias("Delete")]
    Task<DeleteResult> DeleteAsync(bool keepEvents, CancellationToken cancellationToken = default);

    /// <summary>Re-indexes from <paramref name="toSeq"/> (0 = from the start): stops and fences the worker, removes its
    /// events after <paramref name="toSeq"/>, sets the checkpoint (and the source's token) there, and starts it again if it
    /// was running. A <paramref name="toSeq"/> beyond the checkpoint is refused and nothing changes.</summary>
    [Alias("Rewind")]
    Task<RewindResult> RewindAsync(long toSeq, CancellationToken cancellationToken = default);

    /// <summary>Passes the poison event a <see cref="WorkerStatus.Halted"/> worker stopped at, without its effects, and
    /// resumes the worker: fenced like a resume (it takes a new cursor generation) and committed like a batch, so the
    /// skip happens once. <paramref name="seq"/>, when given, must be the seq it halted at (a guard against skipping an
    /// event the operator did not look at). Refused, with nothing changed, when the worker is not halted at a poison
    /// event or its output cannot pass events (the Redis stream).</summary>
    [Alias("Skip")]
    Task<WorkerInfo> SkipAsync(long? seq, CancellationToken cancellationToken = default);

    /// <summary>Runs the worker's handler again on its dead letter <paramref name="seq"/> and removes it, in one transaction
    /// ordered among the worker's commits: its effects apply once. A handler that fails again leaves the dead letter (one
    /// more attempt recorded) and the call fails with <see cref="Errors.OverseerErrorCode.Conflict"/>.</summary>
    [Alias("Replay")]
    Task<DeadLetter> ReplayAsync(long seq, CancellationToken cancellationToken = default);

    /// <summary>Removes the worker's dead letter <paramref name="seq"/> without replaying it.</summary>
    [Alias("Discard")]
    Task<WorkerInfo> DiscardAsync(long seq, CancellationToken cancellationToken = default);

    /// <summary>Handler versions: continues a worker that halted because its handler's version is not the one its effects
    /// were committed with, from its checkpoint, with the handler version of the silo that runs this call. Fenced (a new
    /// cursor generation, like a resume) and recorded with it in one step; refused with
    /// <see cref="Errors.OverseerErrorCode.Conflict"/> when the worker is not waiting on a version change.</summary>
    [Alias("Accept")]
    Task<AcceptResult> AcceptAsync(CancellationToken cancellationToken = default);

    /// <summary>Supervisor call: moves a running worker to <paramref name="target"/> (live migration after its run
    /// has stopped and its checkpoint is saved; it resumes there at once). A no-op when the worker is not
    /// running (nothing to move) or already runs on the target.</summary>
    [Alias("MoveTo")]
    Task MoveToAsync(SiloAddress target, CancellationToken cancellationToken = default);

    /// <summary>Supervisor's poke: activates the worker if needed and makes it run if its desired state says so
    /// and its backoff is over. Returns null if no worker has this id.</summary>
    [Alias("EnsureRunning")]
    Task<WorkerInfo?> EnsureRunningAsync(CancellationToken cancellationToken = default);
}
