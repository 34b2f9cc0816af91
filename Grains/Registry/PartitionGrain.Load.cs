using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Overseer.Errors;
using Overseer.Models;

namespace Overseer.Registry;

/// <summary>Load reporting for the <c>silos</c> and <c>watch</c> views: read-only over the in-memory registry,
/// so it costs no Redis round trip and never calls a worker.</summary>
public sealed partial class PartitionGrain
{
    /// <summary>The most slowest workers one call may ask for.</summary>
    public const int MaxSlowest = 1000;

    public Task<PartitionLoad> GetLoadAsync(int slowest = 0, CancellationToken cancellationToken = default)
    {
        if (slowest is < 0 or > MaxSlowest)
        {
            throw OverseerException.Invalid($"invalid slowest count {slowest}: expected 0..{MaxSlowest}");
        }

        var running = new Dictionary<string, int>(StringComparer.Ordinal);
        long checkpoints = 0;
        long failovers = 0;
        foreach (var entry in _entries.Values)
        {
            var info = entry.Info;
            checkpoints += info.Checkpoint;
            failovers += info.Failovers;
            if (info.Status == WorkerStatus.Running && info.Silo is { } silo)
            {
                running[silo] = running.GetValueOrDefault(silo) + 1;
            }
        }

        return Task.FromResult(new PartitionLoad
        {
            Partition = Partition,
            // The same format as WorkerInfo.Silo (WorkerGrain), so partitions and workers count against one silo.
            Silo = ServiceProvider.GetRequiredService<ILocalSiloDetails>().SiloAddress.Endpoint.ToString(),
            RunningBySilo = running.ToImmutableDictionary(StringComparer.Ordinal),
            Checkpoints = checkpoints,
            Failovers = failovers,
            Slowest = SlowestWorkers.Top(_entries.Values.Select(e => e.Info), slowest),
        });
    }
}
