using System.Collections.Immutable;

namespace Overseer.Models;

/// <summary>Counts over the whole registry.</summary>
/// <param name="Silos">Active silos.</param>
/// <param name="Checkpoints">Sum of every worker's checkpoint as last reported to the registry (heartbeats, status
/// changes): events committed cluster-wide. Its change over time is the cluster's event rate.</param>
/// <param name="Failovers">Sum of every worker's push-to-poll switches.</param>
/// <param name="PoolSize">The running-worker cap (<c>Overseer:Pool:MaxRunningWorkers</c>); 0 = unlimited.</param>
/// <param name="PoolInUse">Slots held (running workers, and crashed ones in backoff); 0 when unlimited.</param>
/// <param name="PoolPending">Workers queued for a slot.</param>
/// <param name="PoolAverageWaitMs">Average time from queueing to getting a slot, over every slot granted (immediate grants count 0).</param>
[GenerateSerializer, Immutable, Alias("overseer.ClusterSummary")]
public sealed record ClusterSummary(
    [property: Id(0)] int Workers,
    [property: Id(1)] ImmutableSortedDictionary<string, int> ByStatus,
    [property: Id(2)] int Partitions,
    [property: Id(3)] int Silos,
    [property: Id(4)] long Checkpoints = 0,
    [property: Id(5)] long Failovers = 0,
    [property: Id(6)] int PoolSize = 0,
    [property: Id(7)] long PoolInUse = 0,
    [property: Id(8)] long PoolPending = 0,
    [property: Id(9)] double PoolAverageWaitMs = 0);
