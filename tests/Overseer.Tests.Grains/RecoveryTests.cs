using Overseer.Models;
using Overseer.Testing;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>Silo loss and whole-cluster restore on the in-process cluster (graceful silo stops; the kill -9
/// versions run against real processes in Overseer.Tests.Cluster).</summary>
public sealed class RecoveryTests : IClassFixture<OverseerCluster>
{
    private readonly OverseerCluster _fixture;

    public RecoveryTests(OverseerCluster fixture) => _fixture = fixture;

    [Fact]
    public async Task SiloStopped_ItsWorkersResumeOnTheSurvivor_WithoutClientCalls()
    {
        var cluster = await _fixture.StartClusterAsync($"svc-{Guid.NewGuid():N}", silos: 3);
        await using var _ = cluster;
        var manager = cluster.Client.GetGrain<IManagerGrain>(0);
        var ids = Enumerable.Range(0, 12).Select(i => $"move-{i}").ToList();
        foreach (var id in ids)
        {
            await manager.StartAsync(id, WorkerSpec.For("sequence", ("limit", "600"), ("batch", "10"), ("delayMs", "20")));
        }

        // The victim is a non-primary silo that hosts a worker mid-run (placement decides which).
        var candidates = cluster.Silos.Skip(1).Select(s => s.SiloAddress.Endpoint.ToString()).ToHashSet();
        var victimEndpoint = await Eventually.UntilAsync(
            async () => (await manager.ListAsync(new WorkerQuery())).Items
                .Where(i => i is { Status: WorkerStatus.Running, Checkpoint: > 50 and < 500 } && candidates.Contains(i.Silo ?? ""))
                .Select(i => i.Silo)
                .FirstOrDefault(),
            silo => silo is not null,
            Deadline,
            _ => $"a worker mid-run (checkpoint 51..499) on one of {string.Join(", ", candidates)}");
        var victim = cluster.Silos.First(s => s.SiloAddress.Endpoint.ToString() == victimEndpoint);
        await cluster.StopSiloAsync(victim);

        var done = await Eventually.UntilAsync(
            () => manager.ListAsync(new WorkerQuery()),
            page => page.Items.Count(i => i.Status == WorkerStatus.Completed) == ids.Count,
            TimeSpan.FromSeconds(60),
            page => $"all {ids.Count} workers Completed after stopping {victimEndpoint}; "
                + string.Join(", ", page.Items.Where(i => i.Status != WorkerStatus.Completed).Select(i => $"{i.Id}={i.Status}@{i.Checkpoint} on {i.Silo}")));

        Assert.All(done.Items, i => Assert.NotEqual(victimEndpoint, i.Silo));
        foreach (var id in ids)
        {
            await AssertExactlyOnceAsync(cluster.Client, id, 600);
        }
    }

    [Fact]
    public Task WholeClusterRestart_RestoresRunningWorkers_LeavesStoppedAndCompletedAlone() => WholeClusterRestartAsync(_fixture);

    /// <summary>The restore guarantee on <paramref name="fixture"/>'s Redis (also run on a Redis Cluster by
    /// <see cref="RedisClusterGuaranteeTests"/>): a cluster of fresh silos under a ServiceId of its own is stopped with
    /// running, stopped and completed workers, and a new one started on the same ServiceId brings back exactly the
    /// running ones from the registry.</summary>
    internal static async Task WholeClusterRestartAsync(OverseerCluster fixture)
    {
        var serviceId = $"svc-{Guid.NewGuid():N}";
        var first = await fixture.StartClusterAsync(serviceId);
        var manager = first.Client.GetGrain<IManagerGrain>(0);
        var running = Enumerable.Range(0, 6).Select(i => $"long-{i}").ToList();
        foreach (var id in running)
        {
            await manager.StartAsync(id, WorkerSpec.For("sequence", ("limit", "500"), ("batch", "5"), ("delayMs", "20")));
        }

        await manager.StartAsync("quick", WorkerSpec.For("sequence", ("limit", "7")));
        await manager.StartAsync("halted", WorkerSpec.For("sequence", ("batch", "1"), ("delayMs", "20")));
        await WaitForStatusAsync(first.Client, "quick", WorkerStatus.Completed);
        var halted = await manager.StopAsync("halted");
        await Eventually.UntilAsync(
            async () => (await manager.ListAsync(new WorkerQuery(Status: WorkerStatus.Running))).Items.Count(i => i.Checkpoint >= 20) == running.Count,
            Deadline,
            () => "every long worker to pass checkpoint 20 before the restart");
        await first.DisposeAsync();

        var second = await fixture.StartClusterAsync(serviceId);
        await using var _ = second;
        var restored = second.Client.GetGrain<IManagerGrain>(0);
        // Observe through the registry only: a call to a worker would itself reactivate it.
        var done = await Eventually.UntilAsync(
            () => restored.ListAsync(new WorkerQuery()),
            page => page.Items.Count(i => i.Status == WorkerStatus.Completed) == running.Count + 1,
            TimeSpan.FromSeconds(60),
            page => "every long worker to finish after the restart; " + string.Join(", ", page.Items.Select(i => $"{i.Id}={i.Status}@{i.Checkpoint}")));

        Assert.Equal(WorkerStatus.Stopped, done.Items.Single(i => i.Id == "halted").Status);
        Assert.Equal(halted.Checkpoint, done.Items.Single(i => i.Id == "halted").Checkpoint);
        foreach (var id in running)
        {
            await AssertExactlyOnceAsync(second.Client, id, 500);
        }

        await AssertExactlyOnceAsync(second.Client, "quick", 7);
        Assert.Equal(WorkerStatus.Stopped, (await second.Client.GetGrain<IWorkerGrain>("halted").GetInfoAsync()).Status);
    }
}
