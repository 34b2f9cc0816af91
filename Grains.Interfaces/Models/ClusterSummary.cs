using System.Collections.Immutable;

namespace Overseer.Models;

/// <summary>Counts over the whole registry.</summary>
/// <param name="Silos">Active silos.</param>
/// <param name="Checkpoints">Sum of every worker's checkpoint as last reported to the registry (heartbeats, status
/// changes): events committed cluster-wide. Its change over time is the cluster's event rate.</param>
/// <param name="Failovers">Sum of every worker's push-to-poll switches.</param>
[GenerateSerializer, Immutable, Alias("overseer.ClusterSummary")]
public sealed record ClusterSummary(
    [property: Id(0)] int Workers,
    [property: Id(1)] ImmutableSortedDictionary<string, int> ByStatus,
    [property: Id(2)] int Partitions,
    [property: Id(3)] int Silos,
    [property: Id(4)] long Checkpoints = 0,
    [property: Id(5)] long Failovers = 0);
