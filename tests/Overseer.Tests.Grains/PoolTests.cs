using System.Collections.Concurrent;
using System.Diagnostics;
using Overseer.Client;
using Overseer.Errors;
using Overseer.Models;
using Overseer.Testing;
using Xunit.Abstractions;

namespace Overseer.Tests.Grains;

/// <summary>The running-worker pool: a cluster-wide cap, FIFO queueing, <c>--try</c> and <c>--wait</c>.</summary>
public sealed class PoolTests(PoolCluster fixture, ITestOutputHelper output) : IClassFixture<PoolCluster>
{
    private const int Cap = PoolCluster.Cap;

    private IManagerGrain Manager => fixture.Overseer.Manager;

    private OverseerClient Client => new(fixture.Overseer.Client);

    [Fact]
    public Task Pool_FiftyStartsOverCapTen_NeverMoreThanTenRunningAndAllCompleteInStartOrder() => FiftyStartsOverCapAsync(fixture, output);

    /// <summary>The pool's cap and order on <paramref name="fixture"/>'s Redis (also run on a Redis Cluster by
    /// <see cref="RedisClusterGuaranteeTests"/>, where the pool's keys share the <c>{pool}</c> slot).</summary>
    internal static async Task FiftyStartsOverCapAsync(PoolCluster fixture, ITestOutputHelper output)
    {
        var manager = fixture.Overseer.Manager;
        var client = new OverseerClient(fixture.Overseer.Client);
        var ids = Enumerable.Range(0, 50).Select(i => $"fifo-{i:D2}").ToList();
        // Each run takes ~0.6 s (3 fetches of 200 ms), so a queue builds even when the 50 starts are slow (a loaded machine).
        var spec = WorkerSpec.For("sequence", ("limit", "300"), ("batch", "100"), ("delayMs", "200"));
        var firstSeen = new ConcurrentDictionary<string, int>();
        var maxRunning = 0;
        var maxHolders = 0L;
        var maxPending = 0;
        var samples = 0;
        using var stop = new CancellationTokenSource();

        // Sample the registry (statuses) and Redis (slots held) throughout, as fast as they answer.
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var sample = Interlocked.Increment(ref samples);
                var rows = await client.ListAsync().ToListAsync();
                var holders = await fixture.HoldersAsync();
                var mine = rows.Where(r => r.Id.StartsWith("fifo-", StringComparison.Ordinal)).ToList();
                maxRunning = Math.Max(maxRunning, rows.Count(r => r.Status == WorkerStatus.Running));
                maxPending = Math.Max(maxPending, mine.Count(r => r.Status == WorkerStatus.Pending && r.Version > 0));
                maxHolders = Math.Max(maxHolders, holders);
                foreach (var row in mine.Where(r => r.Status is WorkerStatus.Running or WorkerStatus.Completed))
                {
                    firstSeen.TryAdd(row.Id, sample);
                }

                await Task.Delay(10);
            }
        });

        var clock = Stopwatch.StartNew();
        var started = new List<WorkerInfo>();
        foreach (var id in ids)
        {
            started.Add(await manager.StartAsync(id, spec));
        }

        output.WriteLine($"50 starts took {clock.ElapsedMilliseconds} ms; {started.Count(s => s.Status == WorkerStatus.Pending)} returned pending");
        await Eventually.UntilAsync(
            async () => await Task.WhenAll(ids.Select(id => client.GetStatusAsync(id))),
            infos => infos.All(i => i.Status == WorkerStatus.Completed && i.Checkpoint == 300),
            TimeSpan.FromSeconds(45),
            infos => "all 50 workers completed at checkpoint 300; not yet: "
                     + string.Join(", ", infos.Where(i => i.Status != WorkerStatus.Completed).Take(10).Select(i => $"{i.Id}={i.Status}@{i.Checkpoint}")));
        await Eventually.UntilAsync(
            () => Task.FromResult(ids.All(firstSeen.ContainsKey)),
            TimeSpan.FromSeconds(5),
            () => $"the sampler to see every worker running or completed; unseen: {string.Join(", ", ids.Where(id => !firstSeen.ContainsKey(id)))}");
        await stop.CancelAsync();
        await sampler;
        output.WriteLine($"all completed after {clock.ElapsedMilliseconds} ms; {samples} samples; max running {maxRunning}, max slots held {maxHolders}, max pending {maxPending}");

        Assert.True(maxRunning <= Cap, $"registry showed {maxRunning} running workers at once; the cap is {Cap}");
        Assert.True(maxHolders <= Cap, $"Redis held {maxHolders} slots at once; the cap is {Cap}");
        Assert.True(started.Count(s => s.Status == WorkerStatus.Pending) >= 50 - (2 * Cap), "most starts beyond the cap should return pending");
        Assert.True(maxPending >= 20, $"expected a queue of pending workers, saw at most {maxPending}");

        // FIFO: slots are granted in queue order. Two workers may be woken by the same release (several free slots), so
        // only an inversion between workers a whole pool apart is a violation.
        var inversions = (from i in Enumerable.Range(0, ids.Count)
                          from j in Enumerable.Range(i + Cap, Math.Max(0, ids.Count - i - Cap))
                          where firstSeen[ids[j]] < firstSeen[ids[i]]
                          select $"{ids[j]} (sample {firstSeen[ids[j]]}) before {ids[i]} (sample {firstSeen[ids[i]]})").ToList();
        Assert.True(inversions.Count == 0, "not FIFO: " + string.Join("; ", inversions.Take(5)));

        var summary = await client.GetSummaryAsync();
        Assert.Equal(Cap, summary.PoolSize);
        Assert.True(summary.PoolAverageWaitMs > 0, $"average wait {summary.PoolAverageWaitMs} ms after 40 queued starts");
        await Eventually.UntilAsync(
            () => client.GetSummaryAsync(),
            s => s.PoolInUse == 0 && s.PoolPending == 0,
            TimeSpan.FromSeconds(5),
            s => $"every slot back after all completed: in use {s.PoolInUse}, pending {s.PoolPending}");
    }

    [Fact]
    public async Task Pool_Full_TryRefusesAndWaitTimesOutThenRunsWhenASlotFrees()
    {
        var fillers = Enumerable.Range(0, Cap).Select(i => $"fill-{i:D2}").ToList();
        var endless = WorkerSpec.For("sequence", ("delayMs", "100"));
        try
        {
            foreach (var id in fillers)
            {
                await Client.StartAsync(id, endless);
            }

            await Eventually.UntilAsync(
                () => fixture.HoldersAsync(),
                held => held == Cap,
                TimeSpan.FromSeconds(10),
                held => $"the pool full with the {Cap} fillers; slots held {held}");

            // --try: refused at once, nothing queued or created.
            var refused = await Assert.ThrowsAsync<OverseerException>(() => Client.StartAsync("try-x", endless, StartMode.Try));
            Assert.Equal(OverseerErrorCode.PoolFull, refused.Code);
            Assert.Contains("pool full", refused.Message, StringComparison.Ordinal);
            Assert.Equal(0, (await Client.GetSummaryAsync()).PoolPending);

            // --wait: times out with a clear message; the worker stays queued.
            var clock = Stopwatch.StartNew();
            var timedOut = await Assert.ThrowsAsync<OverseerException>(() => Client.StartAndWaitAsync("wait-x", endless, TimeSpan.FromSeconds(1)));
            output.WriteLine($"--wait 1 s gave up after {clock.ElapsedMilliseconds} ms: {timedOut.Message}");
            Assert.Equal(OverseerErrorCode.PoolFull, timedOut.Code);
            Assert.Contains("still pending after 1 s", timedOut.Message, StringComparison.Ordinal);
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
            Assert.Equal(WorkerStatus.Pending, (await Client.GetStatusAsync("wait-x")).Status);

            // A freed slot goes to the queued worker.
            await Client.StopAsync(fillers[0]);
            await Eventually.UntilAsync(
                () => Client.GetStatusAsync("wait-x"),
                i => i.Status == WorkerStatus.Running,
                TimeSpan.FromSeconds(10),
                i => $"wait-x running after filler {fillers[0]} stopped; was {i.Status}");
            Assert.True(await fixture.HoldersAsync() <= Cap);
        }
        finally
        {
            foreach (var id in fillers.Append("wait-x"))
            {
                await Client.StopAsync(id);
            }
        }

        await Eventually.UntilAsync(
            () => fixture.HoldersAsync(),
            held => held == 0,
            TimeSpan.FromSeconds(5),
            held => $"no slot held after every worker stopped; held {held}");
    }

    [Fact]
    public async Task Delete_OfAQueuedWorker_FreesItsPlace_AndOfARunningOne_ItsSlotGoesToTheNext()
    {
        var endless = WorkerSpec.For("sequence", ("batch", "10"), ("delayMs", "50"));
        var running = Enumerable.Range(0, Cap).Select(i => $"del-run-{i}").ToList();
        try
        {
            foreach (var id in running)
            {
                Assert.Equal(WorkerStatus.Running, (await Manager.StartAsync(id, endless)).Status);
            }

            Assert.Equal(WorkerStatus.Pending, (await Manager.StartAsync("del-wait-0", endless)).Status);
            Assert.Equal(WorkerStatus.Pending, (await Manager.StartAsync("del-wait-1", endless)).Status);

            await Client.DeleteAsync("del-wait-0");
            await Client.DeleteAsync(running[0]);

            var next = await Eventually.UntilAsync(
                () => Client.GetStatusAsync("del-wait-1"),
                i => i.Status == WorkerStatus.Running,
                TimeSpan.FromSeconds(20),
                i => $"'del-wait-1' to take the deleted worker's slot; it is {i.Status}");
            var pending = await fixture.Overseer.Mux.GetDatabase().SortedSetRangeByRankAsync(new Redis.RedisKeys(fixture.Overseer.ServiceId).Pool[1]);
            Assert.DoesNotContain("del-wait-0", pending.Select(p => (string)p!));
            Assert.Equal(Cap, await fixture.HoldersAsync());
        }
        finally
        {
            await Client.DeleteManyAsync([.. running.Skip(1), "del-wait-1"]);
        }
    }
}
