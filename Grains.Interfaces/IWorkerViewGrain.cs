using Overseer.Models;

namespace Overseer;

/// <summary>Cluster-wide totals for the worker view, implemented by the manager grain (use key 0): one call per
/// partition, whatever the number of workers.</summary>
[Alias("overseer.IWorkerViewGrain")]
public interface IWorkerViewGrain : IGrainWithIntegerKey
{
    [Alias("Totals")]
    Task<RegistryTotals> GetTotalsAsync(CancellationToken cancellationToken = default);
}
