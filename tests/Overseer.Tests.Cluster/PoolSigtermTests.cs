using System.Diagnostics;
using System.Globalization;
using Overseer.Models;
using Overseer.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Overseer.Tests.Cluster;

/// <summary>The running-worker pool across a graceful stop (SIGTERM) of one of three silos: a worker that was running
/// keeps its slot, whether it runs on a surviving silo or is handed over from the leaving one; the cap holds and no slot
/// leaks.</summary>
/// <remarks>
/// The leaving silo is the first one: it hosts every partition and the 9 running workers started before the other two
/// joined (rebalancing is off, so they stay); 3 more run on the newcomers and 8 wait in the queue, so a slot that returns
/// to the pool goes to the head of the queue at once and the worker that lost it would wait as pending. A handed-over
/// worker runs nowhere until its partition, itself moving, brings it back (about 0.2–2 s here; a poke that races the
/// shutdown is repeated only by the stall scan, 8 s later), and nothing renews its slot in between. The lease is the
/// shortest the options allow (1 s, renewed every 200 ms), so that the gap outlasts it whenever the hand-over is not
/// quick, not only when a poke fails; the stall, ping and poke timings are the defaults. Whether a poke races the shutdown
/// is up to timing here; <c>PoolHandOverTests</c> (Overseer.Tests.Grains) makes the pokes fail on purpose.
/// </remarks>
public sealed class PoolSigtermTests(ITestOutputHelper output)
{
    private const int Cap = 12;
    private const int OnLeaving = 9;
    private const int Workers = 20;
    private const long EventsAfter = 300;
    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(50);

    [Fact]
    public async Task SigtermOneOfThreeSilos_NoRunningWorkerLosesItsSlot_CapHolds_NoLeak()
    {
        // Arrange: silo-0 alone takes 9 running workers and every partition; then silo-1 and silo-2 join and run the
        // last 3 slots' workers (placement is random: a worker placed on silo-0 is stopped and another tried), and 8 queue.
        var testClock = Stopwatch.StartNew();
        await using var cluster = await ProcessCluster.StartAsync(1, environment: new Dictionary<string, string>
        {
            ["Overseer__Pool__MaxRunningWorkers"] = $"{Cap}",
            ["Overseer__Pool__SlotLease"] = "1s",
            ["Overseer__Supervision__HeartbeatInterval"] = "200ms",
            ["Overseer__Supervision__RebalanceInterval"] = "0",
            ["Overseer__Supervision__StallTimeout"] = "8s",
            ["Overseer__Supervision__PartitionPingInterval"] = "5s",
            ["Overseer__Supervision__PokeTimeout"] = "5s",
            ["Logging__Console__TimestampFormat"] = "HH:mm:ss.fff ",
        });
        var client = await cluster.ConnectAsync();
        var leaving = cluster.Silos[0];
        var endless = WorkerSpec.For("sequence", ("delayMs", "50"), ("batch", "5"));
        var moved = Enumerable.Range(0, OnLeaving).Select(i => $"sigterm-m{i}").ToList();
        foreach (var id in moved)
        {
            await client.StartAsync(id, endless);
        }

        await Task.WhenAll(cluster.StartSiloAsync("silo-1"), cluster.StartSiloAsync("silo-2"));
        var stay = new List<string>();
        for (var i = 0; stay.Count < Cap - OnLeaving; i++)
        {
            Assert.True(i < 16, $"phase 'fill the pool': {Cap - OnLeaving} workers placed on silo-1 or silo-2 in 16 tries; kept {string.Join(", ", stay)}");
            var id = $"sigterm-s{i:D2}";
            var info = await client.StartAsync(id, endless);
            if (info.Status == WorkerStatus.Running && info.Silo != leaving.SiloEndpoint)
            {
                stay.Add(id);
            }
            else
            {
                await client.StopAsync(id);
            }
        }

        var queued = Enumerable.Range(0, Workers - Cap).Select(i => $"sigterm-q{i:D2}").ToList();
        foreach (var id in queued)
        {
            await client.StartAsync(id, endless);
        }

        var running = moved.Concat(stay).ToList();
        var rows = await Eventually.UntilAsync(
            async () => await client.ListAsync().Where(w => running.Contains(w.Id) || queued.Contains(w.Id)).ToListAsync(),
            r => r.Count(w => w.Status == WorkerStatus.Running) == Cap && r.Count(w => w.Status == WorkerStatus.Pending) == queued.Count,
            TimeSpan.FromSeconds(30),
            r => $"phase 'fill the pool': {Cap} running ({string.Join(", ", running)}) and {queued.Count} pending; was {Describe(r)}");
        Assert.All(moved, id => Assert.Equal(leaving.SiloEndpoint, rows.Single(w => w.Id == id).Silo));
        output.WriteLine($"{testClock.Elapsed.TotalSeconds:0.0} s: running {Describe(rows.Where(w => w.Status == WorkerStatus.Running))}; leaving {leaving.Name} ({leaving.SiloEndpoint})");

        var db = cluster.Mux.GetDatabase();
        var pendingKey = $"overseer:{cluster.ServiceId}:{{pool}}:pending";
        var samples = new List<PoolSample>();
        using var stopSampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                var sample = await PoolSample.TakeAsync(db, cluster.ServiceId, testClock.Elapsed);
                lock (samples)
                {
                    samples.Add(sample);
                }

                await Task.Delay(SampleEvery); // the sampling schedule, not a wait for something
            }
        });

        // Act
        var floor = await Task.WhenAll(running.Select(cluster.CheckpointAsync));
        output.WriteLine($"{testClock.Elapsed.TotalSeconds:0.0} s: SIGTERM to {leaving.Name} at {DateTime.Now:HH:mm:ss.fff} (silo logs: {string.Join(" ", cluster.Silos.Select(s => s.LogPath))})");
        var exitCode = await leaving.TerminateAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"{testClock.Elapsed.TotalSeconds:0.0} s: {leaving.Name} exited ({exitCode})");

        // Every worker that was running commits on, or one of them is found queued (its slot lost): either ends the wait.
        var (checkpoints, requeued) = await Eventually.UntilAsync(
            async () => (
                await Task.WhenAll(running.Select(cluster.CheckpointAsync)),
                (await db.SortedSetRangeByRankAsync(pendingKey)).Select(v => (string)v!).Where(running.Contains).ToList()),
            x => x.Item2.Count > 0 || x.Item1.Select((cp, i) => cp - floor[i]).All(d => d >= EventsAfter),
            TimeSpan.FromSeconds(30),
            x => $"phase 'after SIGTERM': every worker running before it to commit {EventsAfter} more events; "
                 + string.Join(", ", running.Select((id, i) => $"{id} +{x.Item1[i] - floor[i]}")) + $"\n{cluster.LogTails()}");
        await stopSampling.CancelAsync();
        await sampler;

        // Assert: the silo left gracefully; no running worker was ever without its slot, nor queued; the cap held.
        Assert.Equal(0, exitCode);
        var lost = running
            .Select(id => (id, gaps: samples.Where(s => !s.Holds(id)).ToList()))
            .Where(x => x.gaps.Count > 0)
            .Select(x => $"{x.id} held no slot in {x.gaps.Count} of {samples.Count} samples, {x.gaps[0].At.TotalSeconds:0.00}..{x.gaps[^1].At.TotalSeconds:0.00} s")
            .ToList();
        Assert.True(
            lost.Count == 0 && requeued.Count == 0,
            $"phase 'after SIGTERM' of {leaving.Name} (moved: {string.Join(", ", moved)}; stayed: {string.Join(", ", stay)}): "
            + $"running workers lost their slots: {string.Join("; ", lost)}; queued as pending: [{string.Join(", ", requeued)}]; "
            + "progress " + string.Join(", ", running.Select((id, i) => $"{id} +{checkpoints[i] - floor[i]}")));
        var maxHeld = samples.Max(s => s.Held);
        Assert.True(maxHeld <= Cap, $"phase 'after SIGTERM': Redis held {maxHeld} slots at once; the cap is {Cap}");
        // The registry learns of the moves by one-way reports: it may lag the workers for a moment.
        var after = await Eventually.UntilAsync(
            async () => await client.ListAsync().Where(w => running.Contains(w.Id)).ToListAsync(),
            r => r.Count == running.Count && r.All(w => w.Status == WorkerStatus.Running && w.Silo != leaving.SiloEndpoint),
            TimeSpan.FromSeconds(10),
            r => $"phase 'after SIGTERM': the registry to show {string.Join(", ", running)} Running on a surviving silo; was "
                 + string.Join(", ", r.Select(w => $"{w.Id} {w.Status}@{w.Silo}")));
        output.WriteLine($"{testClock.Elapsed.TotalSeconds:0.0} s: {samples.Count} samples, at most {maxHeld} slots held; the moved workers commit on "
            + string.Join(", ", after.Where(w => moved.Contains(w.Id)).Select(w => $"{w.Id}@{w.Silo}")));

        // No leak: once every worker stopped, no slot is held and nobody is queued.
        foreach (var id in running.Concat(queued))
        {
            await client.StopAsync(id);
        }

        await Eventually.UntilAsync(
            () => PoolSample.TakeAsync(db, cluster.ServiceId, testClock.Elapsed),
            s => s.Held == 0 && s.Pending == 0,
            TimeSpan.FromSeconds(10),
            s => $"phase 'stopped': an empty pool after every worker stopped; held {s.DescribeHolders()}, pending {s.Pending}");
    }

    private static string Describe(IEnumerable<WorkerInfo> rows) =>
        string.Join(", ", rows.GroupBy(w => (w.Status, w.Silo)).Select(g => $"{g.Key.Status}@{g.Key.Silo}={g.Count()}"));

    /// <summary>One pipelined look at Redis: its clock, the slot holders with their lease expiry (a holder whose lease has
    /// passed no longer holds, even before a script sweeps it) and the length of the queue.</summary>
    private sealed record PoolSample(TimeSpan At, long RedisNowMs, IReadOnlyDictionary<string, double> Holders, long Pending)
    {
        public int Held => Holders.Values.Count(e => e > RedisNowMs);

        public bool Holds(string id) => Holders.TryGetValue(id, out var expiry) && expiry > RedisNowMs;

        public string DescribeHolders() => $"[{string.Join(", ", Holders.Where(h => h.Value > RedisNowMs).Select(h => h.Key).Order(StringComparer.Ordinal))}]";

        public static async Task<PoolSample> TakeAsync(IDatabase db, string serviceId, TimeSpan at)
        {
            var batch = db.CreateBatch();
            var time = batch.ExecuteAsync("TIME");
            var holders = batch.SortedSetRangeByRankWithScoresAsync($"overseer:{serviceId}:{{pool}}:holders");
            var pending = batch.SortedSetLengthAsync($"overseer:{serviceId}:{{pool}}:pending");
            batch.Execute();
            var t = (RedisResult[])(await time)!;
            var nowMs = (long.Parse((string)t[0]!, CultureInfo.InvariantCulture) * 1000) + (long.Parse((string)t[1]!, CultureInfo.InvariantCulture) / 1000);
            return new PoolSample(at, nowMs, (await holders).ToDictionary(e => (string)e.Element!, e => e.Score), await pending);
        }
    }
}
