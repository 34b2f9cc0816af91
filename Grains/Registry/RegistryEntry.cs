using Overseer.Models;

namespace Overseer.Registry;

/// <summary>One row of a partition's registry, persisted in Redis as JSON.</summary>
internal sealed record RegistryEntry(WorkerInfo Info, bool WantsRun, DateTimeOffset RegisteredAt)
{
    /// <summary>Whether the supervisor should keep this worker running (restore, stall and silo-loss checks).</summary>
    public bool ShouldRun => WantsRun && Info.Status.IsLive();
}
