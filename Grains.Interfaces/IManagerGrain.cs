using Overseer.Models;

namespace Overseer;

/// <summary>The client-facing entry point (the DynamicSupervisor's API). Stateless: it routes each worker id
/// to its partition by a stable hash and fans queries out over all partitions. Use key 0.</summary>
[Alias("overseer.IManagerGrain")]
public interface IManagerGrain : IGrainWithIntegerKey
{
    [Alias("Start")]
    Task<WorkerInfo> StartAsync(string id, WorkerSpec spec, CancellationToken cancellationToken = default);

    [Alias("Stop")]
    Task<WorkerInfo> StopAsync(string id, CancellationToken cancellationToken = default);

    [Alias("Resume")]
    Task<WorkerInfo> ResumeAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>One page over all partitions, ordered by id.</summary>
    [Alias("List")]
    Task<WorkerPage> ListAsync(WorkerQuery query, CancellationToken cancellationToken = default);

    [Alias("Summary")]
    Task<ClusterSummary> GetSummaryAsync(CancellationToken cancellationToken = default);
}
