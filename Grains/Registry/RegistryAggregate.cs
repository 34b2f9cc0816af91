using System.Collections.Immutable;
using Overseer.Models;

namespace Overseer.Registry;

/// <summary>Totals over one registry slice: the counts, load, view totals and gauges all read it.</summary>
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
    /// <summary>The totals of <paramref name="rows"/> counted from scratch (a partition keeps its own as rows change,
    /// through the same <see cref="RegistryTally"/>).</summary>
    public static RegistryAggregate Of(IEnumerable<RegistryEntry> rows)
    {
        var tally = new RegistryTally();
        foreach (var row in rows)
        {
            tally.Add(row);
        }

        return tally.Snapshot();
    }
}
