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
        await partition.ReportAsync(new WorkerReport(Row(WorkerStatus.Running, 5), WantsRun: true));
        var page = await partition.ListAsync(new WorkerQuery(AfterId: id[..^1], Limit: 1));

        var row = Assert.Single(page.Items);
        Assert.Equal(id, row.Id);
        Assert.Equal(WorkerStatus.Completed, row.Status);
        Assert.Equal(7, row.Version);
    }
}
