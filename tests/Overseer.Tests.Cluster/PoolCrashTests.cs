using Overseer.Models;
using Overseer.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Overseer.Tests.Cluster;

/// <summary>The running-worker pool across a real crash: kill -9 of the silo running pooled workers.</summary>
public sealed class PoolCrashTests(ITestOutputHelper output)
{
    private const int Cap = 6;

    [Fact]
    public async Task KillSiloRunningPooledWorkers_CapNeverExceeded_NoSlotLeaks()
    {
        await using var cluster = await ProcessCluster.StartAsync(2, environment: new Dictionary<string, string>
        {
            ["Overseer__Pool__MaxRunningWorkers"] = $"{Cap}",
            ["Overseer__Pool__SlotLease"] = "5s",
        });
        var client = await cluster.ConnectAsync();
        var ids = Enumerable.Range(0, 20).Select(i => $"pool-crash-{i:D2}").ToList();
        var endless = WorkerSpec.For("sequence", ("delayMs", "100"));
        foreach (var id in ids)
        {
            await client.StartAsync(id, endless);
        }

        var holdersKey = $"overseer:{cluster.ServiceId}:{{pool}}:holders";
        async Task<long> HoldersAsync() =>
            await cluster.Mux.GetDatabase().SortedSetLengthAsync(holdersKey, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), double.PositiveInfinity);
        async Task<List<WorkerInfo>> RowsAsync() => await client.ListAsync().ToListAsync();

        // While the killed silo is not yet declared dead, a call routed through it times out: not an answer yet.
        async Task<List<WorkerInfo>> RowsOrNoneAsync()
        {
            try
            {
                return await RowsAsync();
            }
            catch (Exception ex) when (ex is Overseer.Client.ClusterUnreachableException or TimeoutException)
            {
                return [];
            }
        }

        var rows = await Eventually.UntilAsync(
            RowsAsync,
            r => r.Count(w => w.Status == WorkerStatus.Running) == Cap && r.Count(w => w.Status == WorkerStatus.Pending) == ids.Count - Cap,
            TimeSpan.FromSeconds(30),
            r => $"{Cap} running and {ids.Count - Cap} pending before the kill; was "
                 + string.Join(", ", r.GroupBy(w => (w.Status, w.Silo)).Select(g => $"{g.Key.Status}@{g.Key.Silo}={g.Count()}")));

        // Placement decides where the first Cap workers to get a slot run: sometimes on both silos, sometimes all on
        // one. The victim is the silo running the most of them, so that at least half the slots die with it.
        var victim = cluster.Silos.MaxBy(s => rows.Count(w => w.Status == WorkerStatus.Running && w.Silo == s.SiloEndpoint))!;
        var onVictim = rows.Where(w => w.Status == WorkerStatus.Running && w.Silo == victim.SiloEndpoint).Select(w => w.Id).ToList();

        long maxHolders = 0;
        var maxRunning = 0;
        var samples = 0;
        using var stop = new CancellationTokenSource();
        // Two samplers: Redis answers throughout; registry calls can hang until the dead silo is declared dead.
        async Task SampleAsync(Func<Task> sample)
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await sample();
                    Interlocked.Increment(ref samples);
                }
                catch (Exception)
                {
                    // Calls routed through the dead silo time out until membership declares it dead (one may still
                    // be in flight when the sampler is stopped): not a sample.
                }

                await Task.Delay(20);
            }
        }

        var sampler = Task.WhenAll(
            Task.Run(() => SampleAsync(async () => maxHolders = Math.Max(maxHolders, await HoldersAsync()))),
            Task.Run(() => SampleAsync(async () => maxRunning = Math.Max(maxRunning, (await RowsAsync()).Count(w => w.Status == WorkerStatus.Running)))));

        victim.Kill();
        var survivor = cluster.Silos.Single(s => s != victim).SiloEndpoint;
        await Eventually.UntilAsync(
            async () => (await RowsOrNoneAsync(), await HoldersAsync()),
            x => x.Item1.Count(w => w.Status == WorkerStatus.Running && w.Silo == survivor) == Cap
                 && x.Item1.Count(w => w.Status == WorkerStatus.Pending) == ids.Count - Cap
                 && x.Item2 == Cap,
            TimeSpan.FromSeconds(30),
            x => $"after killing {victim.Name} ({onVictim.Count} running there): {Cap} running on {survivor}, {ids.Count - Cap} pending, {Cap} slots held; was "
                 + string.Join(", ", x.Item1.GroupBy(w => (w.Status, w.Silo)).Select(g => $"{g.Key.Status}@{g.Key.Silo}={g.Count()}")) + $", held {x.Item2}\n{cluster.LogTails()}");
        output.WriteLine($"recovered; {onVictim.Count} workers were on the victim");

        // No leak: every slot is usable. Stopping the running workers hands all their slots to pending ones.
        var running = (await RowsAsync()).Where(w => w.Status == WorkerStatus.Running).Select(w => w.Id).ToList();
        foreach (var id in running)
        {
            await client.StopAsync(id);
        }

        await Eventually.UntilAsync(
            async () => (await RowsAsync(), await HoldersAsync()),
            x => x.Item1.Count(w => w.Status == WorkerStatus.Running) == Cap && x.Item1.Count(w => w.Status == WorkerStatus.Pending) == ids.Count - (2 * Cap)
                 && x.Item2 == Cap,
            TimeSpan.FromSeconds(20),
            x => $"after stopping the {Cap} running workers: {Cap} others running and {Cap} slots held; was "
                 + string.Join(", ", x.Item1.GroupBy(w => w.Status).Select(g => $"{g.Key}={g.Count()}")) + $", held {x.Item2}");
        await stop.CancelAsync();
        await sampler;
        output.WriteLine($"{samples} samples: max running {maxRunning}, max slots held {maxHolders}");
        Assert.True(maxHolders <= Cap, $"Redis held {maxHolders} slots at once during recovery; the cap is {Cap}");
        Assert.True(maxRunning <= Cap, $"the registry showed {maxRunning} running workers at once during recovery; the cap is {Cap}");

        foreach (var id in ids)
        {
            await client.StopAsync(id);
        }

        await Eventually.UntilAsync(
            async () => (await HoldersAsync(), await cluster.Mux.GetDatabase().SortedSetLengthAsync($"overseer:{cluster.ServiceId}:{{pool}}:pending")),
            x => x.Item1 == 0 && x.Item2 == 0,
            TimeSpan.FromSeconds(10),
            x => $"an empty pool after every worker stopped (running + free = cap); held {x.Item1}, pending {x.Item2}");
    }
}
