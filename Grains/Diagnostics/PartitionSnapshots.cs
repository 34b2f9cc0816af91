using System.Collections.Concurrent;

namespace Overseer.Diagnostics;

/// <summary>Per silo: the latest <see cref="PartitionSnapshot"/> of every partition active on this silo. Partitions
/// publish on their tick and withdraw on deactivation; the observable gauges read it without any grain call.</summary>
/// <remarks>Each partition is active on one silo at a time, so summing over the silos' exports counts every worker once.</remarks>
internal sealed class PartitionSnapshots
{
    private readonly ConcurrentDictionary<int, PartitionSnapshot> _snapshots = new();

    internal void Publish(PartitionSnapshot snapshot) => _snapshots[snapshot.Partition] = snapshot;

    internal void Withdraw(int partition) => _snapshots.TryRemove(partition, out _);

    internal IReadOnlyCollection<PartitionSnapshot> Current() => [.. _snapshots.Values];
}
