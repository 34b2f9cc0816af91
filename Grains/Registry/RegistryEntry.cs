using Overseer.Models;
using Overseer.Supervision;

namespace Overseer.Registry;

/// <summary>One row of a partition's registry, persisted in Redis as JSON.</summary>
internal sealed record RegistryEntry(WorkerInfo Info, bool WantsRun, DateTimeOffset RegisteredAt)
{
    /// <summary>Whether the supervisor should keep this worker running (restore, stall and silo-loss checks):
    /// <see cref="RunRule.ShouldRun"/>.</summary>
    public bool ShouldRun => RunRule.ShouldRun(WantsRun, Info.Status);
}
