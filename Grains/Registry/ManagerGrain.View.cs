using System.Collections.Immutable;
using Overseer.Models;

namespace Overseer.Registry;

/// <summary>Totals for the worker view, summed over the partitions' in-memory registries.</summary>
internal sealed partial class ManagerGrain : IWorkerViewGrain
{
    async Task<RegistryTotals> IWorkerViewGrain.GetTotalsAsync(CancellationToken cancellationToken)
    {
        var parts = await Task.WhenAll(Enumerable.Range(0, Partitions)
            .Select(p => GrainFactory.GetGrain<IPartitionViewGrain>(p).GetTotalsAsync(cancellationToken)));
        var byStatus = parts.SelectMany(p => p.ByStatus)
            .GroupBy(kv => kv.Key)
            .ToImmutableDictionary(g => g.Key, g => g.Sum(kv => kv.Value));
        return new RegistryTotals(
            byStatus,
            parts.Sum(p => p.Checkpoints),
            parts.Sum(p => p.Lag),
            parts.Sum(p => p.LagKnown),
            parts.Sum(p => p.Failovers),
            parts.Length);
    }
}
