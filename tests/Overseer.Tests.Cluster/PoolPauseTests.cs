using System.Diagnostics;
using System.Globalization;
using Overseer.Client;
using Overseer.Models;
using Overseer.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Overseer.Tests.Cluster;

/// <summary>The running-worker pool across a hung silo (SIGSTOP): a worker whose slot lease expired while it was frozen
/// must not commit once it thaws, because the slot is someone else's by then.</summary>
/// <remarks>
/// The pause is longer than the slot lease but shorter than failure detection: Orleans' default membership settings
/// (a silo is declared dead after about three missed 5 s probes) keep the frozen silo a member, so after SIGCONT its
/// activations carry on as they were — the case where only the lease stands between them and the cap. (With fast
/// detection the frozen silo would be declared dead and its workers moved, a different story.)
/// While the silo is frozen nothing on it answers, so the pending workers that are to take the freed slots are chosen to
/// be activated, and supervised by a partition, on the other silo; the test observes everything through Redis alone.
/// </remarks>
public sealed class PoolPauseTests(ITestOutputHelper output)
{
    private const int Cap = 4;
    private const int Pending = 4;
    private static readonly TimeSpan SlotLease = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan SampleFor = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task PauseSiloLongerThanLease_CapHoldsAfterResume()
    {
        // Arrange: 2 silos, cap 4, a 2 s lease renewed by a 500 ms heartbeat (ProcessCluster's), no rebalancing.
        var testClock = Stopwatch.StartNew();
        await using var cluster = await ProcessCluster.StartAsync(2, fastDetection: false, environment: new Dictionary<string, string>
        {
            ["Overseer__Pool__MaxRunningWorkers"] = $"{Cap}",
            ["Overseer__Pool__SlotLease"] = "2s",
            ["Overseer__Supervision__RebalanceInterval"] = "0",
        });
        var client = await cluster.ConnectAsync();
        var endless = WorkerSpec.For("sequence", ("delayMs", "50"), ("batch", "5"));
        var running = Enumerable.Range(0, Cap).Select(i => $"pause-r-{i}").ToList();
        foreach (var id in running)
        {
            await client.StartAsync(id, endless);
        }

        (List<WorkerInfo>, long[]) rows = await Eventually.UntilAsync(
            async () => (await client.ListAsync().ToListAsync(), await Task.WhenAll(running.Select(cluster.CheckpointAsync))),
            x => x.Item1.Count(r => r.Status == WorkerStatus.Running) == Cap && x.Item2.All(cp => cp > 0),
            TimeSpan.FromSeconds(30),
            x => $"phase 'fill the pool': {Cap} workers running and committing; was "
                 + string.Join(", ", x.Item1.Select(r => $"{r.Id} {r.Status}@{r.Silo} cp {r.Checkpoint}")));
        // The survivor must supervise the queued workers (nothing on a frozen silo answers): it is the silo hosting the
        // most partitions, and the victim the other one, which must run at least one of the workers in the pool.
        var partitionHome = await BusiestPartitionSiloAsync(cluster);
        var survivor = cluster.Silos.Single(s => s.SiloEndpoint == partitionHome);
        var victim = cluster.Silos.Single(s => s != survivor);
        rows = await EnsureRunningOnAsync(cluster, client, endless, running, victim.SiloEndpoint);
        var victimEndpoint = victim.SiloEndpoint;
        var paused = rows.Item1.Where(r => r.Status == WorkerStatus.Running && r.Silo == victimEndpoint).Select(r => r.Id).ToList();

        var queued = await QueueOnSurvivorAsync(cluster, client, endless, survivor.SiloEndpoint);
        var watched = running.Concat(queued).ToList();
        var db = cluster.Mux.GetDatabase();
        var pendingKey = $"overseer:{cluster.ServiceId}:{{pool}}:pending";
        var inQueue = (await db.SortedSetRangeByRankAsync(pendingKey)).Select(v => (string)v!).ToList();
        Assert.True(inQueue.SequenceEqual(queued), $"phase 'queue': the pool queue holds [{string.Join(", ", inQueue)}], expected [{string.Join(", ", queued)}]");
        output.WriteLine($"{paused.Count} of {Cap} running workers on {victim.Name} ({string.Join(", ", paused)}); queued on {survivor.Name}: {string.Join(", ", queued)} "
            + $"({testClock.Elapsed.TotalSeconds:0.0} s into the test)");

        // Act: freeze the silo past its workers' leases until the first queued workers have taken their slots, then thaw it.
        var samples = new List<PoolSample>();
        var frozenFor = Stopwatch.StartNew();
        TimeSpan thawedAfter;
        victim.Suspend();
        try
        {
            var takers = queued.Take(paused.Count).ToList();
            await Eventually.UntilAsync(
                () => PoolSample.TakeAsync(db, cluster.ServiceId, watched, frozenFor.Elapsed),
                s => paused.All(id => !s.Holds(id)) && takers.All(id => s.Checkpoints[id] > 0),
                TimeSpan.FromSeconds(8), // well inside default failure detection (~15 s): the frozen silo must stay a member
                s => $"phase 'frozen': the leases of {string.Join(", ", paused)} to expire ({SlotLease.TotalSeconds:0} s) and {string.Join(", ", takers)} "
                     + $"to take their slots and commit; {s.Describe()}");
            samples.Add(await PoolSample.TakeAsync(db, cluster.ServiceId, watched, frozenFor.Elapsed));
            victim.Resume();
            thawedAfter = frozenFor.Elapsed;
            while (frozenFor.Elapsed - thawedAfter < SampleFor)
            {
                await Task.Delay(SampleEvery); // the sampling schedule, not a wait for something
                samples.Add(await PoolSample.TakeAsync(db, cluster.ServiceId, watched, frozenFor.Elapsed));
            }
        }
        finally
        {
            victim.Resume();
        }

        // Assert
        var beforeThaw = samples[0];
        var overCap = new List<string>();
        var withoutSlot = new List<string>();
        var firstSecond = new HashSet<string>();
        for (var i = 1; i < samples.Count; i++)
        {
            var (from, to) = (samples[i - 1], samples[i]);
            var advanced = watched.Where(id => to.Checkpoints[id] > from.Checkpoints[id]).ToList();
            var interval = $"+{(from.At - thawedAfter).TotalSeconds:0.00}..+{(to.At - thawedAfter).TotalSeconds:0.00} s";
            if (to.At - thawedAfter <= TimeSpan.FromSeconds(1))
            {
                firstSecond.UnionWith(advanced);
            }

            if (advanced.Count > Cap)
            {
                overCap.Add($"{interval}: {advanced.Count} committed ({string.Join(", ", advanced.Select(id => $"{id} {from.Checkpoints[id]}->{to.Checkpoints[id]}"))}); "
                            + $"slots held at the end: {to.DescribeHolders()}");
            }

            foreach (var id in advanced.Where(id => paused.Contains(id) && !beforeThaw.Holds(id) && !from.Holds(id) && !to.Holds(id)))
            {
                withoutSlot.Add($"{id} {from.Checkpoints[id]}->{to.Checkpoints[id]} in {interval} (holders: {to.DescribeHolders()})");
            }
        }

        output.WriteLine($"frozen {thawedAfter.TotalSeconds:0.00} s; before the thaw: {beforeThaw.Describe()}");
        output.WriteLine($"in the first second after SIGCONT {firstSecond.Count} workers committed: {string.Join(", ", firstSecond.Order(StringComparer.Ordinal))}");
        output.WriteLine($"{samples.Count - 1} intervals of ~{SampleEvery.TotalMilliseconds:0} ms over {SampleFor.TotalSeconds:0} s; last: {samples[^1].Describe()}");
        output.WriteLine($"test took {testClock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(
            overCap.Count == 0 && withoutSlot.Count == 0,
            $"phase 'thawed': {victim.Name} frozen {thawedAfter.TotalSeconds:0.0} s (lease {SlotLease.TotalSeconds:0} s), its workers' slots taken by {string.Join(", ", queued.Take(paused.Count))}. "
            + $"Cap {Cap} exceeded in {overCap.Count} of {samples.Count - 1} sampling intervals after SIGCONT{(overCap.Count > 0 ? ": " + string.Join("; ", overCap.Take(5)) : "")}. "
            + $"Commits by a thawed worker holding no slot: {withoutSlot.Count}{(withoutSlot.Count > 0 ? ": " + string.Join("; ", withoutSlot.Take(8)) : "")}");
    }

    /// <summary>The silo hosting the most partition grains (Orleans' management grain knows where each is active).</summary>
    private static async Task<string> BusiestPartitionSiloAsync(ProcessCluster cluster)
    {
        var stats = await cluster.ClusterClient.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        return stats.Where(g => g.GrainId.ToString().StartsWith("partition/", StringComparison.Ordinal))
            .GroupBy(g => g.SiloAddress.Endpoint.ToString())
            .MaxBy(g => g.Count())!.Key;
    }

    /// <summary>Placement is random: while no worker of the full pool runs on <paramref name="silo"/>, replaces one (stop it,
    /// start a new id, which takes the freed slot) until one does. Returns the rows and checkpoints of the pool's workers.</summary>
    private static async Task<(List<WorkerInfo>, long[])> EnsureRunningOnAsync(
        ProcessCluster cluster, OverseerClient client, WorkerSpec spec, List<string> running, string silo)
    {
        for (var attempt = 0; ; attempt++)
        {
            var rows = await Task.WhenAll(running.Select(id => client.GetStatusAsync(id)));
            if (rows.Any(r => r.Status == WorkerStatus.Running && r.Silo == silo) || attempt == 20)
            {
                Assert.True(rows.Any(r => r.Silo == silo), $"phase 'fill the pool': no worker of the pool landed on {silo} in {attempt} replacements");
                return ([.. rows], await Task.WhenAll(running.Select(cluster.CheckpointAsync)));
            }

            var replaced = running[0];
            await client.StopAsync(replaced);
            running.RemoveAt(0);
            var next = $"pause-r-{Cap + attempt}";
            running.Add(next);
            await client.StartAsync(next, spec);
            await Eventually.UntilAsync(
                () => client.GetStatusAsync(next),
                i => i.Status == WorkerStatus.Running,
                TimeSpan.FromSeconds(15),
                i => $"phase 'fill the pool': replacement {next} to run after {replaced} stopped; was {i.Status}");
        }
    }

    /// <summary>Queues <see cref="Pending"/> workers that can take a slot while the other silo is frozen: each activated on
    /// <paramref name="survivor"/> and supervised by a partition there (whose pool check wakes it). Candidates placed
    /// otherwise are stopped at once, which takes them out of the queue; the kept ones keep their queue order.</summary>
    private static async Task<List<string>> QueueOnSurvivorAsync(ProcessCluster cluster, OverseerClient client, WorkerSpec spec, string survivor)
    {
        var kept = new List<string>();
        var next = 0;
        var rejected = new List<string>();
        while (kept.Count < Pending && next < 64)
        {
            var batch = Enumerable.Range(next, 8).Select(i => $"pause-q-{i:D2}").ToList();
            next += batch.Count;
            var started = new Dictionary<string, WorkerInfo>();
            foreach (var id in batch)
            {
                started[id] = await client.StartAsync(id, spec);
            }

            var partitionSilo = await PartitionSiloOfWorkersAsync(cluster, batch);
            foreach (var id in batch)
            {
                var info = started[id];
                if (kept.Count < Pending && info.Status == WorkerStatus.Pending && info.Silo == survivor && partitionSilo.GetValueOrDefault(id) == survivor)
                {
                    kept.Add(id);
                }
                else
                {
                    rejected.Add($"{id} {info.Status}@{info.Silo} partition@{partitionSilo.GetValueOrDefault(id)}");
                    await client.StopAsync(id);
                }
            }
        }

        Assert.True(kept.Count == Pending, $"phase 'queue': {Pending} pending workers activated and supervised on {survivor}, found {kept.Count} in {next} candidates; rejected: {string.Join(", ", rejected)}");
        return kept;
    }

    /// <summary>Which silo hosts the partition that supervises each of <paramref name="ids"/>: partitions' locations from
    /// Orleans' management grain, their members from each partition's own list.</summary>
    private static async Task<Dictionary<string, string>> PartitionSiloOfWorkersAsync(ProcessCluster cluster, IReadOnlyCollection<string> ids)
    {
        var partitions = (await cluster.ClusterClient.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics())
            .Where(g => g.GrainId.ToString().StartsWith("partition/", StringComparison.Ordinal))
            .Select(g => (Key: g.GrainId.GetIntegerKey(), Silo: g.SiloAddress.Endpoint.ToString()))
            .ToList();
        var result = new Dictionary<string, string>();
        foreach (var (key, silo) in partitions)
        {
            var page = await cluster.ClusterClient.GetGrain<IPartitionGrain>(key).ListAsync(new WorkerQuery(Limit: WorkerQuery.MaxLimit));
            foreach (var row in page.Items.Where(r => ids.Contains(r.Id)))
            {
                result[row.Id] = silo;
            }
        }

        return result;
    }

    /// <summary>One pipelined look at Redis: its clock, every watched worker's committed checkpoint and the slot holders
    /// with their lease expiry (a holder whose lease has passed no longer holds, even before a script sweeps it).</summary>
    private sealed record PoolSample(TimeSpan At, long RedisNowMs, IReadOnlyDictionary<string, long> Checkpoints, IReadOnlyDictionary<string, double> Holders)
    {
        public bool Holds(string id) => Holders.TryGetValue(id, out var expiry) && expiry > RedisNowMs;

        public static async Task<PoolSample> TakeAsync(IDatabase db, string serviceId, IReadOnlyList<string> ids, TimeSpan at)
        {
            var batch = db.CreateBatch();
            var time = batch.ExecuteAsync("TIME");
            var cps = ids.Select(id => batch.HashGetAsync($"overseer:{serviceId}:w:{{{id}}}:cursor", "cp")).ToArray();
            var holders = batch.SortedSetRangeByRankWithScoresAsync($"overseer:{serviceId}:{{pool}}:holders");
            batch.Execute();
            var t = (RedisResult[])(await time)!;
            var nowMs = (long.Parse((string)t[0]!, CultureInfo.InvariantCulture) * 1000) + (long.Parse((string)t[1]!, CultureInfo.InvariantCulture) / 1000);
            var values = await Task.WhenAll(cps);
            return new PoolSample(
                at,
                nowMs,
                ids.Select((id, i) => (id, cp: values[i].IsNull ? 0 : (long)values[i])).ToDictionary(x => x.id, x => x.cp),
                (await holders).ToDictionary(e => (string)e.Element!, e => e.Score));
        }

        public string DescribeHolders() => string.Join(", ", Holders.Keys.Order(StringComparer.Ordinal).Select(id => Holds(id) ? id : $"{id}(expired)"));

        public string Describe() =>
            $"checkpoints {string.Join(", ", Checkpoints.Select(kv => $"{kv.Key}={kv.Value}"))}; slots: {DescribeHolders()}";
    }
}
