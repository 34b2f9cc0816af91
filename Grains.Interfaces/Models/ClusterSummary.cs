using System.Collections.Immutable;

namespace Overseer.Models;

/// <summary>Counts over the whole registry.</summary>
[GenerateSerializer, Immutable, Alias("overseer.ClusterSummary")]
public sealed record ClusterSummary(
    [property: Id(0)] int Workers,
    [property: Id(1)] ImmutableSortedDictionary<string, int> ByStatus,
    [property: Id(2)] int Partitions,
    [property: Id(3)] int Silos);
