using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Overseer.Diagnostics;
using Overseer.Models;

namespace Overseer.Registry;

/// <summary>Publishes this partition's registry counts and lag to the silo's <see cref="PartitionSnapshots"/>, which
/// the <c>overseer.workers</c> and <c>overseer.lag</c> gauges read.</summary>
/// <remarks>Built on the tick, at most once per <see cref="SnapshotEvery"/> and only while a listener observes the
/// gauges: a snapshot walks the whole slice, and exporters collect every few seconds anyway. Services are resolved
/// here rather than in the primary constructor to keep this concern out of the main file.</remarks>
public sealed partial class PartitionGrain
{
    private static readonly TimeSpan SnapshotEvery = TimeSpan.FromSeconds(1);

    private OverseerInstruments? _instruments;
    private PartitionSnapshots? _snapshots;
    private DateTimeOffset _lastSnapshot;

    private OverseerInstruments Instruments => _instruments ??= ServiceProvider.GetRequiredService<OverseerInstruments>();

    private PartitionSnapshots Snapshots => _snapshots ??= ServiceProvider.GetRequiredService<PartitionSnapshots>();

    private void PublishSnapshotIfDue(DateTimeOffset now)
    {
        if (now - _lastSnapshot < SnapshotEvery || !Instruments.SnapshotsObserved)
        {
            return;
        }

        _lastSnapshot = now;
        var counts = new Dictionary<WorkerStatus, int>();
        long lag = 0;
        foreach (var entry in _entries.Values)
        {
            var info = entry.Info;
            counts[info.Status] = counts.GetValueOrDefault(info.Status) + 1;
            if (info.Status == WorkerStatus.Running && info.Head is { } head && head > info.Checkpoint)
            {
                lag += head - info.Checkpoint;
            }
        }

        Snapshots.Publish(new PartitionSnapshot(Partition, counts.ToImmutableDictionary(), lag));
    }

    private void WithdrawSnapshot()
    {
        Snapshots.Withdraw(Partition);
        if (Partition == 0)
        {
            PoolGauges.Withdraw();
        }
    }
}
