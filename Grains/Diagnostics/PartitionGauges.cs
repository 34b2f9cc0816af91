using Overseer.Registry;

namespace Overseer.Diagnostics;

/// <summary>Publishes one partition's registry counts and lag to the silo's <see cref="PartitionSnapshots"/>, which the
/// <c>overseer.workers</c> and <c>overseer.lag</c> gauges read.</summary>
/// <remarks>At most once per <c>GaugeInterval</c> and only while a listener observes the gauges: exporters collect every
/// few seconds anyway. The numbers come from the slice's one aggregate, which the views share.</remarks>
internal sealed class PartitionGauges(OverseerInstruments instruments, PartitionSnapshots snapshots, TimeSpan interval)
{
    private DateTimeOffset _lastPublish;

    public void PublishIfDue(int partition, RegistrySlice slice, DateTimeOffset now)
    {
        if (now - _lastPublish < interval || !instruments.SnapshotsObserved)
        {
            return;
        }

        _lastPublish = now;
        var totals = slice.Aggregate();
        snapshots.Publish(new PartitionSnapshot(partition, totals.ByStatus, totals.Lag));
    }

    public void Withdraw(int partition) => snapshots.Withdraw(partition);
}
