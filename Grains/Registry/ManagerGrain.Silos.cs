using System.Collections.Immutable;
using Orleans.Runtime;
using Overseer.Errors;
using Overseer.Models;

namespace Overseer.Registry;

/// <summary>Operational views over the partitions' loads: which silo hosts what, and who is slowest.</summary>
internal sealed partial class ManagerGrain
{
    public async Task<ImmutableArray<SiloInfo>> GetSilosAsync(CancellationToken cancellationToken = default)
    {
        var loads = await LoadsAsync(slowest: 0, cancellationToken);
        var workers = new Dictionary<string, int>(StringComparer.Ordinal);
        var partitions = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var load in loads)
        {
            partitions[load.Silo] = partitions.GetValueOrDefault(load.Silo) + 1;
            foreach (var (silo, count) in load.RunningBySilo)
            {
                workers[silo] = workers.GetValueOrDefault(silo) + count;
            }
        }

        // Workers and partitions name a silo by host:port only, so a silo restarted at the same address shares it
        // with its dead predecessor: the newest generation gets the counts, older ones are listed with none.
        var rows = new List<SiloInfo>();
        foreach (var sameAddress in membership.CurrentSnapshot.Members.Values.GroupBy(m => m.SiloAddress.Endpoint.ToString()))
        {
            var newestFirst = sameAddress.OrderByDescending(m => m.SiloAddress.Generation).ToList();
            rows.AddRange(newestFirst.Select((m, i) => new SiloInfo
            {
                Address = sameAddress.Key,
                Name = m.Name,
                Status = StateOf(m.Status),
                Generation = m.SiloAddress.Generation,
                Workers = i == 0 ? workers.GetValueOrDefault(sameAddress.Key) : 0,
                Partitions = i == 0 ? partitions.GetValueOrDefault(sameAddress.Key) : 0,
            }));
        }

        // A registry row may still name a silo that membership no longer lists; show it rather than lose its count.
        var known = rows.Select(r => r.Address).ToHashSet(StringComparer.Ordinal);
        rows.AddRange(workers.Keys.Union(partitions.Keys, StringComparer.Ordinal).Where(a => !known.Contains(a)).Select(a => new SiloInfo
        {
            Address = a,
            Status = SiloState.Unknown,
            Workers = workers.GetValueOrDefault(a),
            Partitions = partitions.GetValueOrDefault(a),
        }));

        return [.. rows.OrderBy(r => r.Address, StringComparer.Ordinal).ThenByDescending(r => r.Generation)];
    }

    public async Task<ImmutableArray<WorkerInfo>> GetSlowestAsync(int count, CancellationToken cancellationToken = default)
    {
        if (count is < 0 or > PartitionGrain.MaxSlowest)
        {
            throw OverseerException.Invalid($"invalid count {count}: expected 0..{PartitionGrain.MaxSlowest}");
        }

        if (count == 0)
        {
            return [];
        }

        var loads = await LoadsAsync(count, cancellationToken);
        return SlowestWorkers.Top(loads.SelectMany(l => l.Slowest), count);
    }

    private Task<PartitionLoad[]> LoadsAsync(int slowest, CancellationToken cancellationToken) =>
        Task.WhenAll(AllPartitions().Select(p => p.GetLoadAsync(slowest, cancellationToken)));

    private static SiloState StateOf(SiloStatus status) => status switch
    {
        SiloStatus.Created => SiloState.Created,
        SiloStatus.Joining => SiloState.Joining,
        SiloStatus.Active => SiloState.Active,
        SiloStatus.ShuttingDown => SiloState.ShuttingDown,
        SiloStatus.Stopping => SiloState.Stopping,
        SiloStatus.Dead => SiloState.Dead,
        _ => SiloState.Unknown,
    };
}
