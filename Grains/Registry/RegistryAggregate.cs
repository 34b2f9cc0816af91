using System.Collections.Immutable;
using Overseer.Models;

namespace Overseer.Registry;

/// <summary>Totals over one registry slice, built in one pass: the counts, load, view totals and gauges all read it.</summary>
/// <param name="ByStatus">Rows per status; statuses with no row are absent.</param>
/// <param name="RunningBySilo">Running rows per silo their row names (<c>host:port</c>).</param>
/// <param name="Checkpoints">Sum of every row's checkpoint.</param>
/// <param name="Failovers">Sum of every row's push-to-poll switches.</param>
/// <param name="Lag">Sum over running rows with a known head of head − checkpoint (never negative per row).</param>
/// <param name="LagKnown">Running rows with a known head.</param>
internal sealed record RegistryAggregate(
    ImmutableDictionary<WorkerStatus, int> ByStatus,
    ImmutableDictionary<string, int> RunningBySilo,
    long Checkpoints,
    long Failovers,
    long Lag,
    int LagKnown)
{
    public static RegistryAggregate Of(IEnumerable<RegistryEntry> rows)
    {
        var counts = new Dictionary<WorkerStatus, int>();
        var running = new Dictionary<string, int>(StringComparer.Ordinal);
        long checkpoints = 0, failovers = 0, lag = 0;
        var lagKnown = 0;
        foreach (var row in rows)
        {
            var info = row.Info;
            counts[info.Status] = counts.GetValueOrDefault(info.Status) + 1;
            checkpoints += info.Checkpoint;
            failovers += info.Failovers;
            if (info.Status != WorkerStatus.Running)
            {
                continue;
            }

            if (info.Silo is { } silo)
            {
                running[silo] = running.GetValueOrDefault(silo) + 1;
            }

            if (SlowestWorkers.Lag(info) is { } behind)
            {
                lagKnown++;
                lag += behind;
            }
        }

        return new RegistryAggregate(counts.ToImmutableDictionary(), running.ToImmutableDictionary(StringComparer.Ordinal), checkpoints, failovers, lag, lagKnown);
    }
}
