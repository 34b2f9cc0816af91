using Microsoft.Extensions.DependencyInjection;
using Overseer.Models;
using Overseer.Registry;
using Overseer.Outputs;
using Overseer.Redis;
using Overseer.Testing;
using Overseer.Workers;
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

        // Three heartbeat sweeps later on every silo (0.5 s apart) the partition has had at least two flushes (0.5 s apart)
        // to rewrite it. An idle worker's heartbeat only names it: neither the stored row nor the one in memory moves.
        var seen = await InMemoryAsync(partition, id);
        var sweeps = Sweeps();
        await Eventually.UntilAsync(
            () => Task.FromResult(Sweeps()),
            now => now.Zip(sweeps, (n, b) => n >= b + 3).All(done => done),
            Deadline,
            now => $"three heartbeat sweeps on every silo while '{id}' idles (sweeps {string.Join(", ", now)}, were {string.Join(", ", sweeps)})");
        var after = await StoredRowAsync(id);
        var memoryAfter = await InMemoryAsync(partition, id);

        Assert.Equal(settled.Stored!.Info.Version, after?.Info.Version);
        Assert.Equal(seen?.Version, memoryAfter?.Version);
        Assert.Equal(WorkerStatus.Running, memoryAfter?.Status);
        await fixture.Manager.StopAsync(id);
    }

    private long[] Sweeps() => [.. fixture.Cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<HeartbeatSweep>().Sweeps)];

    private async Task<RegistryEntry?> StoredRowAsync(string id) =>
        (await Store.LoadAsync(PartitionOf(id))).SingleOrDefault(e => e.Info.Id == id);

    private static async Task<WorkerInfo?> InMemoryAsync(IPartitionGrain partition, string id) =>
        (await partition.ListAsync(new WorkerQuery(AfterId: id[..^1], Limit: 1))).Items.SingleOrDefault(i => i.Id == id);

    private static string Describe(RegistryEntry? row) =>
        row is null ? "missing" : $"status {row.Info.Status}, wants-run {row.WantsRun}, version {row.Info.Version}";
}
