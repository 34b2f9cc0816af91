using System.Collections.Immutable;

namespace Overseer.Models;

/// <summary>Totals over registry rows (one partition's, or summed over all of them) for the worker view.</summary>
/// <param name="ByStatus">Workers per status; statuses with no worker are absent.</param>
/// <param name="Checkpoints">Sum of every worker's checkpoint as last reported: its change over time is the event rate.</param>
/// <param name="Lag">Sum over running workers of head − checkpoint, where the source reports a head.</param>
/// <param name="LagKnown">Running workers whose source reports a head (the ones <paramref name="Lag"/> covers).</param>
/// <param name="Failovers">Sum of every worker's push-to-poll switches.</param>
/// <param name="Partitions">Partitions these totals cover.</param>
[GenerateSerializer, Immutable, Alias("overseer.RegistryTotals")]
public sealed record RegistryTotals(
    [property: Id(0)] ImmutableDictionary<WorkerStatus, int> ByStatus,
    [property: Id(1)] long Checkpoints,
    [property: Id(2)] long Lag,
    [property: Id(3)] int LagKnown,
    [property: Id(4)] long Failovers,
    [property: Id(5)] int Partitions)
{
    /// <summary>Every worker, whatever its status.</summary>
    public int Workers => ByStatus.Values.Sum();
}
