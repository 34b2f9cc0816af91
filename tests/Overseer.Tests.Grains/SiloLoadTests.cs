using Overseer.Models;
using Overseer.Testing;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>Exact per-silo counts need a registry of their own: this class gets a private cluster and ServiceId.</summary>
public sealed class SiloLoadTests(OverseerCluster fixture) : IClassFixture<OverseerCluster>
{
    [Fact]
    public async Task GetSilosAsync_CountsEveryRunningWorkerAndPartitionOnTheSiloThatHostsIt()
    {
        var ids = Enumerable.Range(0, 12).Select(i => $"load-{i:D2}").ToList();
        foreach (var id in ids)
        {
            await fixture.Manager.StartAsync(id, WorkerSpec.For("sequence", ("delayMs", "200"), ("batch", "1")));
        }

        await fixture.Manager.StartAsync("load-done", WorkerSpec.For("sequence", ("limit", "2")));
        await WaitForStatusAsync(fixture.Client, "load-done", WorkerStatus.Completed);

        // The other test of this class may have workers running too: compare against the registry's running rows.
        var (silos, running) = await Eventually.UntilAsync(
            async () => (Silos: await fixture.Manager.GetSilosAsync(), Running: (await fixture.Manager.ListAsync(new WorkerQuery(Status: WorkerStatus.Running))).Items),
            r => ids.All(id => r.Running.Any(w => w.Id == id)) && r.Silos.Sum(s => s.Workers) == r.Running.Length,
            Deadline,
            r => $"all {ids.Count} load-* workers running and counted over the silos ({r.Running.Length} running rows); "
                + $"got {string.Join(", ", r.Silos.Select(s => $"{s.Address}={s.Workers}"))}");

        Assert.Equal(2, silos.Length);
        Assert.All(silos, s => Assert.Equal(SiloState.Active, s.Status));
        Assert.Equal(OverseerCluster.Partitions, silos.Sum(s => s.Partitions));
        foreach (var silo in silos)
        {
            Assert.Equal(running.Count(w => w.Silo == silo.Address), silo.Workers);
        }
    }

    [Fact]
    public async Task GetSlowestAsync_PutsTheWorkerWithTheLowestCheckpointFirst()
    {
        await fixture.Manager.StartAsync("slow-crawl", WorkerSpec.For("sequence", ("delayMs", "1000"), ("batch", "1")));
        await fixture.Manager.StartAsync("slow-fast-1", WorkerSpec.For("sequence", ("delayMs", "20"), ("batch", "50")));
        await fixture.Manager.StartAsync("slow-fast-2", WorkerSpec.For("sequence", ("delayMs", "20"), ("batch", "50")));

        var slowest = await Eventually.UntilAsync(
            () => fixture.Manager.GetSlowestAsync(100),
            s => s.Any(w => w.Id == "slow-fast-1" && w.Checkpoint > 500) && s.Any(w => w.Id == "slow-fast-2" && w.Checkpoint > 500),
            Deadline,
            s => $"both fast workers past checkpoint 500 in the registry; got {string.Join(", ", s.Select(w => $"{w.Id}@{w.Checkpoint}"))}");
        var top1 = await fixture.Manager.GetSlowestAsync(1);

        Assert.Equal("slow-crawl", slowest.Where(w => w.Id.StartsWith("slow-", StringComparison.Ordinal)).First().Id);
        Assert.Equal(slowest.Select(w => w.Checkpoint).Order(), slowest.Select(w => w.Checkpoint));
        Assert.All(slowest, w => Assert.Equal(WorkerStatus.Running, w.Status));
        Assert.Single(top1);
        Assert.Equal(slowest[0].Id, top1[0].Id);
    }
}
