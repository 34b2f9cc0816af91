using System.Collections.Immutable;
using Overseer.Models;

namespace Overseer.Diagnostics;

/// <summary>What one partition's registry slice looked like at its last refresh: workers per status, and the lag
/// (sum over running workers of head − checkpoint, where the source knows its head).</summary>
internal sealed record PartitionSnapshot(int Partition, ImmutableDictionary<WorkerStatus, int> Counts, long Lag);
