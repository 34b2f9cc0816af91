using Overseer.Models;

namespace Overseer;

/// <summary>Read-only totals of one partition's registry slice for the worker view, implemented by the partition
/// grain (same key, same activation as <see cref="IPartitionGrain"/>). Answered from memory: no worker is called.</summary>
[Alias("overseer.IPartitionViewGrain")]
public interface IPartitionViewGrain : IGrainWithIntegerKey
{
    [Alias("Totals")]
    Task<RegistryTotals> GetTotalsAsync(CancellationToken cancellationToken = default);
}
