using System.Diagnostics;
using Overseer.Models;
using Overseer.Testing;
using Xunit.Abstractions;

namespace Overseer.Tests.Cluster;

/// <summary>kill -9 of real silo processes: nothing lost, nothing duplicated, no client call needed to recover.</summary>
public sealed class SiloCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KillOneOfTwoSilos_CrashLoopingWorkersAllComplete_ExactlyOnce()
    {
        await using var cluster = await ProcessCluster.StartAsync(silos: 2);
        var client = await cluster.ConnectAsync();
        var ids = Enumerable.Range(0, 20).Select(i => $"crashy-{i:D2}").ToList();
        var spec = WorkerSpec.For("sequence", ("limit", "3000"), ("failAfter", "400"), ("batch", "50"), ("delayMs", "10"))
            with { MaxRestarts = 50, RestartWindow = TimeSpan.FromSeconds(10) };
        foreach (var id in ids)
        {
            await client.StartAsync(id, spec);
        }

        // The victim is whichever silo hosts at least 2 workers mid-run (placement decides where they are).
        var (victimEndpoint, onVictim) = await Eventually.UntilAsync(
            async () => (await client.ListAsync().Where(w => w.Checkpoint is > 300 and < 2500).ToListAsync())
                .GroupBy(w => w.Silo ?? "").Select(g => (Silo: g.Key, Count: g.Count())).OrderByDescending(g => g.Count).FirstOrDefault(),
            best => best.Count >= 2,
            TimeSpan.FromSeconds(60),
            best => $"at least 2 workers mid-run on one silo before the kill; best is {best.Silo} with {best.Count}");
        var victim = cluster.Silos.First(s => s.SiloEndpoint == victimEndpoint);
        victim.Kill();
        var killedAt = Stopwatch.StartNew();

        var rows = await Eventually.UntilAsync(
            async () => await client.ListAsync().ToListAsync(),
            all => all.Count(w => w.Status == WorkerStatus.Completed) == ids.Count,
            TimeSpan.FromSeconds(120),
            all => $"all {ids.Count} workers Completed after kill -9 of {victim.SiloEndpoint}: "
                + string.Join(", ", all.Where(w => w.Status != WorkerStatus.Completed).Select(w => $"{w.Id}={w.Status}@{w.Checkpoint}"))
                + Environment.NewLine + cluster.LogTails());
        output.WriteLine($"{onVictim} workers were mid-run on the killed silo; all {ids.Count} completed {killedAt.Elapsed.TotalSeconds:0.0} s after the kill");

        foreach (var id in ids)
        {
            ExactlyOnce.Assert(id, await cluster.StreamSeqsAsync(id), 3000);
            var events = await client.GetEventsAsync(id, 2990).ToListAsync();
            Assert.Equal(Enumerable.Range(2990, 11).Select(i => (long)i), events.Select(e => e.Seq));
        }

        // failAfter counts from each run's start: 7 crashes without interruption; a run cut short by the kill
        // (resumed elsewhere, which is not a supervisor restart) shifts the pattern and can save one crash.
        Assert.All(rows, w => Assert.InRange(w.Restarts, 6, 7));
        Assert.All(rows, w => Assert.NotEqual(victim.SiloEndpoint, w.Silo));
    }

    [Fact]
    public async Task KillEverySilo_NewSilosRestoreRunningWorkersWithin15s_AndLeaveTheRestAlone()
    {
        await using var cluster = await ProcessCluster.StartAsync(silos: 2);
        var client = await cluster.ConnectAsync();
        var running = Enumerable.Range(0, 10).Select(i => $"long-{i}").ToList();
        foreach (var id in running)
        {
            await client.StartAsync(id, WorkerSpec.For("sequence", ("batch", "10"), ("delayMs", "50")));
        }

        await client.StartAsync("finished", WorkerSpec.For("sequence", ("limit", "25")));
        await client.StartAsync("parked", WorkerSpec.For("sequence", ("batch", "1"), ("delayMs", "20")));
        await Eventually.UntilAsync(async () => (await client.GetStatusAsync("finished")).Status == WorkerStatus.Completed, TimeSpan.FromSeconds(30), () => "'finished' to complete");
        var parked = await client.StopAsync("parked");
        foreach (var id in running)
        {
            await Eventually.UntilAsync(async () => await cluster.CheckpointAsync(id) >= 50, TimeSpan.FromSeconds(30), () => $"'{id}' to pass checkpoint 50 before the kill");
        }

        var silos = cluster.Silos.ToList();
        foreach (var silo in silos)
        {
            silo.Kill();
        }

        var beforeKill = new Dictionary<string, long>();
        foreach (var id in running)
        {
            beforeKill[id] = await cluster.CheckpointAsync(id);
        }

        // New processes on the same ports (a restarted machine): they supersede the dead generations at once.
        var first = await cluster.StartSiloAsync("silo-0b", silos[0].Options);
        var firstActive = Stopwatch.StartNew();
        await cluster.StartSiloAsync("silo-1b", silos[1].Options);
        foreach (var id in running)
        {
            await Eventually.UntilAsync(
                async () => await cluster.CheckpointAsync(id) > beforeKill[id],
                // What is left of the 15 s (at least one look: the second silo's start may have used it all up while
                // the workers resumed).
                TimeSpan.FromTicks(Math.Max((TimeSpan.FromSeconds(15) - firstActive.Elapsed).Ticks, TimeSpan.FromMilliseconds(200).Ticks)),
                () => $"'{id}' to resume by itself within 15 s of {first.Name} becoming active (checkpoint {beforeKill[id]} before the kill)\n{cluster.LogTails()}");
        }

        output.WriteLine($"every running worker resumed {firstActive.Elapsed.TotalSeconds:0.0} s after the first new silo became active");
        client = await cluster.ConnectAsync();
        foreach (var id in running)
        {
            var stopped = await client.StopAsync(id);
            ExactlyOnce.Assert(id, await cluster.StreamSeqsAsync(id), stopped.Checkpoint);
        }

        var parkedNow = await client.GetStatusAsync("parked");
        Assert.Equal(WorkerStatus.Stopped, parkedNow.Status);
        Assert.Equal(parked.Checkpoint, await cluster.CheckpointAsync("parked"));
        Assert.Equal(WorkerStatus.Completed, (await client.GetStatusAsync("finished")).Status);
        ExactlyOnce.Assert("finished", await cluster.StreamSeqsAsync("finished"), 25);
    }
}
