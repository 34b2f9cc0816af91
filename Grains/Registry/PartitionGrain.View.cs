using System.Collections.Immutable;
using Overseer.Models;

namespace Overseer.Registry;

/// <summary>Totals for the worker view: one pass over the in-memory slice, no Redis round trip, no worker call.</summary>
public sealed partial class PartitionGrain : IPartitionViewGrain
{
    public Task<RegistryTotals> GetTotalsAsync(CancellationToken cancellationToken = default)
    {
        var counts = new Dictionary<WorkerStatus, int>();
        long checkpoints = 0, lag = 0, failovers = 0;
        var lagKnown = 0;
        foreach (var entry in _entries.Values)
        {
            var info = entry.Info;
            counts[info.Status] = counts.GetValueOrDefault(info.Status) + 1;
            checkpoints += info.Checkpoint;
            failovers += info.Failovers;
            if (info.Status == WorkerStatus.Running && info.Head is { } head)
            {
                lagKnown++;
                lag += Math.Max(0, head - info.Checkpoint);
            }
        }

        return Task.FromResult(new RegistryTotals(counts.ToImmutableDictionary(), checkpoints, lag, lagKnown, failovers, Partitions: 1));
    }
}
