using Overseer.Models;
using Overseer.Registry;
using Overseer.Sinks;
using Overseer.Testing;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>What the partition writes to Redis, read back from the fixture's own redis-server: the rows that
/// restore after a full-cluster crash would act on.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RegistryDurabilityTests(OverseerCluster fixture)
{
    private RegistryStore Store => new(fixture.Mux, new RedisKeys(fixture.ServiceId));

    private static int PartitionOf(string id) => WorkerPartitioner.PartitionOf(id, OverseerCluster.Partitions);

    [Fact]
    public async Task Resume_OfAStoppedWorker_StoresARestorableRowBeforeItReturns()
    {
        var id = $"resume-durable-{Guid.NewGuid():N}";
        await fixture.Manager.StartAsync(id, WorkerSpec.For("sequence", ("batch", "1"), ("delayMs", "50")));
        await fixture.Manager.StopAsync(id);
        await Eventually.UntilAsync(
            () => StoredRowAsync(id),
            row => row is { Info.Status: WorkerStatus.Stopped, WantsRun: false },
            Deadline,
            row => $"the stored registry row of '{id}' to say stopped; it is {Describe(row)}");

        await fixture.Manager.ResumeAsync(id);
        var stored = await StoredRowAsync(id);

        Assert.True(stored is { ShouldRun: true }, $"right after resume the stored row of '{id}' must be restorable; it is {Describe(stored)}");
        await fixture.Manager.StopAsync(id);
    }

    [Fact]
    public async Task SameStartAgain_OfACompletedWorker_LeavesItsRowCompleted()
    {
        // A no-op start (same spec, finished worker) must not turn its row Pending: nothing would ever correct it.
        var id = $"noop-start-{Guid.NewGuid():N}";
        var spec = WorkerSpec.For("sequence", ("limit", "5"));
        var partition = fixture.Client.GetGrain<IPartitionGrain>(PartitionOf(id));
        await fixture.Manager.StartAsync(id, spec);
        await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);
        await Eventually.UntilAsync(
            () => StoredRowAsync(id),
            row => row is { Info.Status: WorkerStatus.Completed },
            Deadline,
            row => $"the stored registry row of '{id}' to say completed; it is {Describe(row)}");

        var again = await fixture.Manager.StartAsync(id, spec);
        var memory = await InMemoryAsync(partition, id);
        var stored = await StoredRowAsync(id);

        Assert.Equal(WorkerStatus.Completed, again.Status);
        Assert.Equal(WorkerStatus.Completed, memory?.Status);
        Assert.Equal(WorkerStatus.Completed, stored?.Info.Status);
    }

    [Fact]
    public async Task Heartbeat_OfAnIdleWorker_DoesNotRewriteItsRow()
    {
        var id = $"idle-{Guid.NewGuid():N}";
        var partition = fixture.Client.GetGrain<IPartitionGrain>(PartitionOf(id));
        // One fetch that takes ten minutes: the worker runs, heartbeats, and nothing in its row changes.
        await fixture.Manager.StartAsync(id, WorkerSpec.For("sequence", ("batch", "1"), ("delayMs", "600000")));
        var settled = await Eventually.UntilAsync(
            async () => (Stored: await StoredRowAsync(id), Memory: await InMemoryAsync(partition, id)),
            rows => rows is { Stored.Info.Status: WorkerStatus.Running, Memory: { } memory }
                && rows.Stored.Info with { Version = 0, UpdatedAt = default } == memory with { Version = 0, UpdatedAt = default },
            Deadline,
            rows => $"the stored row of '{id}' to be running and equal to the partition's; stored {Describe(rows.Stored)}, in memory version {rows.Memory?.Version}");

        // Three heartbeats later (0.5 s apart) the partition has had at least two flushes (0.5 s apart) to rewrite it.
        var seen = await InMemoryAsync(partition, id);
        await Eventually.UntilAsync(
            () => InMemoryAsync(partition, id),
            memory => memory is { } m && m.Version >= seen!.Version + 3,
            Deadline,
            memory => $"three heartbeats of '{id}' to reach its partition (in memory version {memory?.Version}, was {seen?.Version})");
        var after = await StoredRowAsync(id);

        Assert.Equal(settled.Stored!.Info.Version, after?.Info.Version);
        await fixture.Manager.StopAsync(id);
    }

    private async Task<RegistryEntry?> StoredRowAsync(string id) =>
        (await Store.LoadAsync(PartitionOf(id))).SingleOrDefault(e => e.Info.Id == id);

    private static async Task<WorkerInfo?> InMemoryAsync(IPartitionGrain partition, string id) =>
        (await partition.ListAsync(new WorkerQuery(AfterId: id[..^1], Limit: 1))).Items.SingleOrDefault(i => i.Id == id);

    private static string Describe(RegistryEntry? row) =>
        row is null ? "missing" : $"status {row.Info.Status}, wants-run {row.WantsRun}, version {row.Info.Version}";
}
