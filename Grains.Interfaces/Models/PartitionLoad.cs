using System.Collections.Immutable;

namespace Overseer.Models;

/// <summary>What one partition hosts and tracks: where it runs, its running workers per silo, the totals of its
/// registry rows and its slowest running workers.</summary>
[GenerateSerializer, Immutable, Alias("overseer.PartitionLoad")]
public sealed record PartitionLoad
{
    [Id(0)] public required int Partition { get; init; }
    /// <summary>The silo the partition grain is activated on (<c>host:port</c>, as <see cref="WorkerInfo.Silo"/>).</summary>
    [Id(1)] public required string Silo { get; init; }
    /// <summary>Running workers per silo, by the silo their registry row names.</summary>
    [Id(2)] public required ImmutableDictionary<string, int> RunningBySilo { get; init; }
    /// <summary>Sum of <see cref="WorkerInfo.Checkpoint"/> over every row (events committed, as last reported).</summary>
    [Id(3)] public long Checkpoints { get; init; }
    /// <summary>Sum of <see cref="WorkerInfo.Failovers"/> over every row.</summary>
    [Id(4)] public long Failovers { get; init; }
    /// <summary>The slowest running workers, slowest first (as many as asked for).</summary>
    [Id(5)] public ImmutableArray<WorkerInfo> Slowest { get; init; } = [];
}
