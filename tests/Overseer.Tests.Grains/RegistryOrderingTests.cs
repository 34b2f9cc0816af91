using Overseer.Testing;
using Overseer.Models;
using Overseer.Registry;

namespace Overseer.Tests.Grains;

/// <summary>Reports are one-way messages and may arrive out of order; the registry must keep the newest.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RegistryOrderingTests(OverseerCluster fixture)
{
    [Fact]
    public async Task Report_OlderThanTheRow_IsIgnored()
    {
        var id = $"order-{Guid.NewGuid():N}";
        var partition = fixture.Client.GetGrain<IPartitionGrain>(WorkerPartitioner.PartitionOf(id, OverseerCluster.Partitions));
        WorkerInfo Row(WorkerStatus status, long version) => new() { Id = id, Status = status, Source = "sequence", Checkpoint = version, Version = version };

        await partition.ReportAsync(new WorkerReport(Row(WorkerStatus.Completed, 7), WantsRun: true));
        await Eventually.UntilAsync(
            async () => (await partition.ListAsync(new WorkerQuery(AfterId: id[..^1], Limit: 1))).Items.Any(i => i.Id == id),
            TimeSpan.FromSeconds(10),
            () => $"the first report of '{id}' to reach its partition");

        // Reports are one-way: a later report to the same partition, once visible, shows the older one was handled.
        await partition.ReportAsync(new WorkerReport(Row(WorkerStatus.Running, 5), WantsRun: true));
        var marker = Enumerable.Range(0, 10_000).Select(i => $"marker-{i}-{id}")
            .First(m => WorkerPartitioner.PartitionOf(m, OverseerCluster.Partitions) == WorkerPartitioner.PartitionOf(id, OverseerCluster.Partitions));
        await partition.ReportAsync(new WorkerReport(new WorkerInfo { Id = marker, Status = WorkerStatus.Running, Source = "sequence", Version = 1 }, WantsRun: false));
        await Eventually.UntilAsync(
            async () => (await partition.ListAsync(new WorkerQuery(AfterId: marker[..^1], Limit: 1))).Items.Any(i => i.Id == marker),
            TimeSpan.FromSeconds(10),
            () => $"the marker report '{marker}' to reach the partition");
        var page = await partition.ListAsync(new WorkerQuery(AfterId: id[..^1], Limit: 1));

        var row = Assert.Single(page.Items);
        Assert.Equal(id, row.Id);
        Assert.Equal(WorkerStatus.Completed, row.Status);
        Assert.Equal(7, row.Version);
    }
}
