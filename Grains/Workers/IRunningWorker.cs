using Overseer.Models;

namespace Overseer.Workers;

/// <summary>What the silo's <see cref="HeartbeatSweep"/> needs from a worker whose run is in progress. Called from the
/// sweep's thread, not the activation's: every member is safe to call from any thread.</summary>
internal interface IRunningWorker
{
    string Id { get; }

    /// <summary>The worker's newest snapshot if its progress moved since the last call, else null (taken: the next call
    /// returns null until it moves again).</summary>
    WorkerReport? TakeChanged();

    /// <summary>The sweep renewed the worker's pool slot until <paramref name="until"/> (Redis ms).</summary>
    void LeaseRenewed(long until);

    /// <summary>The worker no longer holds its pool slot (its lease expired): it must take one again or wait as
    /// Pending. Only posts the work to the activation.</summary>
    void LeaseLost();
}
