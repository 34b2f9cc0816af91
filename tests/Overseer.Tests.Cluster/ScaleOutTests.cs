using System.Diagnostics;
using Overseer.Client;
using Overseer.Models;
using Overseer.Testing;
using Xunit.Abstractions;

namespace Overseer.Tests.Cluster;

/// <summary>Three real silo processes with workers on the real reference feed: kill -9, graceful stop, rolling
/// restart, scale-out and a Redis outage — nothing lost, nothing duplicated, and how long workers paused.</summary>
public sealed class ScaleOutTests(ITestOutputHelper output)
{
    /// <summary>Events/s per feed: enough to see progress every 200 ms, light enough for 300 workers on two cores.</summary>
    private const int FeedRate = 5;

    private static async Task<List<string>> StartFeedWorkersAsync(ProcessCluster cluster, OverseerClient client, string prefix, int count, int feeds)
    {
        var ids = Enumerable.Range(0, count).Select(i => $"{prefix}-{i:D3}").ToList();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, ct) =>
        {
            var feed = $"{prefix}-feed-{int.Parse(id[(prefix.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture) % feeds}";
            await client.StartAsync(id, WorkerSpec.For("feed", ("url", cluster.Feed!.FeedUrl(feed)), ("stallMs", "2000")), ct);
        });
        return ids;
    }

    private static Task AllIndexingAsync(CheckpointSampler sampler, List<string> ids, long atLeast) =>
        Eventually.UntilAsync(
            () => Task.FromResult(ids.Where(id => sampler.Checkpoint(id) < atLeast).ToList()),
            behind => behind.Count == 0,
            TimeSpan.FromSeconds(60),
            behind => $"every worker past checkpoint {atLeast}; {behind.Count} are not, e.g. {string.Join(", ", behind.Take(5))}");

    /// <summary>Waits until every live silo hosts at least half its fair share of the running workers (the
    /// partitions rebalance a skewed initial placement within a few rounds), and returns who runs where.</summary>
    private static async Task SpreadAsync(ProcessCluster cluster, OverseerClient client, int workers)
    {
        var live = cluster.Silos.Where(s => !s.HasExited).Select(s => s.SiloEndpoint).ToList();
        await Eventually.UntilAsync(
            async () => (await client.ListAsync(WorkerStatus.Running).ToListAsync()).GroupBy(w => w.Silo ?? "").ToDictionary(g => g.Key, g => g.Count()),
            bySilo => live.All(s => bySilo.GetValueOrDefault(s) >= workers / live.Count / 2),
            TimeSpan.FromSeconds(60),
            bySilo => $"the {workers} workers spread over {live.Count} silos (each >= {workers / live.Count / 2}); running by silo: "
                + string.Join(", ", bySilo.Select(kv => $"{kv.Key}={kv.Value}")));
    }

    private static async Task<List<string>> RunningOnAsync(OverseerClient client, string silo) =>
        await client.ListAsync(WorkerStatus.Running).Where(w => w.Silo == silo).Select(w => w.Id).ToListAsync();

    /// <summary>Stops every worker and checks its stream in Redis is exactly 1..checkpoint.</summary>
    private static async Task AssertExactAsync(ProcessCluster cluster, OverseerClient client, IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            var stopped = await client.StopAsync(id);
            ExactlyOnce.Assert(id, await cluster.StreamSeqsAsync(id), stopped.Checkpoint);
        }
    }

    /// <summary>Waits until every worker in <paramref name="ids"/> has committed again after <paramref name="since"/>
    /// (a timeout fails the test), and returns how long after <paramref name="since"/> the last of them did.</summary>
    private static async Task<TimeSpan> AllAdvancedAfterAsync(
        CheckpointSampler sampler, IReadOnlyCollection<string> ids, TimeSpan since, TimeSpan timeout, string what, Func<string>? detail = null)
    {
        await Eventually.UntilAsync(
            () => Task.FromResult(ids.Where(id => sampler.LastAdvance(id) <= since).ToList()),
            waiting => waiting.Count == 0,
            timeout,
            waiting => $"{what}; {waiting.Count} of {ids.Count} have not committed since, e.g. {string.Join(", ", waiting.Take(5))}{detail?.Invoke()}");
        return ids.Max(sampler.LastAdvance) - since;
    }

    /// <summary>With the fast-detection settings of the README the bound is the issue's 5 s; with Orleans' defaults
    /// (a dead silo is declared after ~15 s) the test measures and reports, bounded at 30 s.</summary>
    [Theory]
    [InlineData(true, 5)]
    [InlineData(false, 30)]
    public async Task KillOneOfThreeSilos_300FeedWorkers_EveryAffectedWorkerResumes_ExactlyOnce(bool fastDetection, int boundSeconds)
    {
        await using var cluster = await ProcessCluster.StartAsync(silos: 3, fastDetection, feedRate: FeedRate);
        var client = await cluster.ConnectAsync();
        var ids = await StartFeedWorkersAsync(cluster, client, "k", 300, feeds: 30);
        await using var sampler = new CheckpointSampler(cluster.Mux, cluster.ServiceId, ids);
        await AllIndexingAsync(sampler, ids, 5);
        await SpreadAsync(cluster, client, ids.Count);

        var victim = cluster.Silos[2];
        var affected = await RunningOnAsync(client, victim.SiloEndpoint);
        Assert.True(affected.Count >= 50, $"expected a fair share of the 300 workers on {victim.Name}, found {affected.Count}");
        victim.Kill();
        var killedAt = sampler.Now;

        var slowest = await AllAdvancedAfterAsync(
            sampler, affected, killedAt, TimeSpan.FromSeconds(boundSeconds + 10),
            $"the {affected.Count} workers of the killed silo to commit again", () => $"\n{cluster.LogTails()}");
        var settings = fastDetection ? "fast detection" : "default detection";
        output.WriteLine($"kill -9 of {victim.Name} ({settings}): {affected.Count} workers moved; the last committed again {slowest.TotalSeconds:0.00} s after the kill");

        Assert.True(slowest <= TimeSpan.FromSeconds(boundSeconds), $"the last of {affected.Count} affected workers resumed {slowest.TotalSeconds:0.0} s after the kill ({settings}), expected within {boundSeconds} s");
        await AssertExactAsync(cluster, client, ids);
    }

    [Fact]
    public async Task GracefulStop_WorkersHandOffBeforeFailureDetection_AndTheSiloExitsPromptly()
    {
        // Orleans' default failure detection (a killed silo is declared dead after ~15 s): a hand-off well within
        // that proves the drain does not wait for detection.
        await using var cluster = await ProcessCluster.StartAsync(silos: 3, fastDetection: false, feedRate: FeedRate);
        var client = await cluster.ConnectAsync();
        var ids = await StartFeedWorkersAsync(cluster, client, "g", 90, feeds: 10);
        await using var sampler = new CheckpointSampler(cluster.Mux, cluster.ServiceId, ids);
        await AllIndexingAsync(sampler, ids, 5);
        await SpreadAsync(cluster, client, ids.Count);

        var leaving = cluster.Silos[1];
        var affected = await RunningOnAsync(client, leaving.SiloEndpoint);
        Assert.NotEmpty(affected);
        var termAt = sampler.Now;
        var exitTimer = Stopwatch.StartNew();
        var exitCode = await leaving.TerminateAsync(TimeSpan.FromSeconds(30));
        var exitTime = exitTimer.Elapsed;

        var slowest = await AllAdvancedAfterAsync(sampler, affected, termAt, TimeSpan.FromSeconds(30), $"the {affected.Count} workers of {leaving.Name} to commit again after SIGTERM");
        output.WriteLine($"SIGTERM to {leaving.Name}: exited ({exitCode}) after {exitTime.TotalSeconds:0.0} s; its {affected.Count} workers all committed again within {slowest.TotalSeconds:0.00} s of the signal");

        Assert.Equal(0, exitCode);
        Assert.True(exitTime < TimeSpan.FromSeconds(15), $"the silo took {exitTime.TotalSeconds:0.0} s to exit after SIGTERM");
        Assert.True(slowest < TimeSpan.FromSeconds(6), $"workers resumed {slowest.TotalSeconds:0.0} s after SIGTERM: not a hand-off (default failure detection takes ~15 s)");
        var rows = await client.ListAsync().ToListAsync();
        Assert.All(rows, w => Assert.Equal(0, w.Restarts));
        await AssertExactAsync(cluster, client, ids);
    }

    [Fact]
    public async Task RollingRestartOfAllSilos_EveryWorkerStaysExact_AndTheLongestPauseIsReported()
    {
        await using var cluster = await ProcessCluster.StartAsync(silos: 3, feedRate: FeedRate);
        var client = await cluster.ConnectAsync();
        var ids = await StartFeedWorkersAsync(cluster, client, "r", 60, feeds: 10);
        await using var sampler = new CheckpointSampler(cluster.Mux, cluster.ServiceId, ids);
        await AllIndexingAsync(sampler, ids, 5);
        sampler.StartMeasuringPauses();

        foreach (var old in cluster.Silos.ToList())
        {
            await old.TerminateAsync(TimeSpan.FromSeconds(30));
            await cluster.StartSiloAsync(old.Name + "b", old.Options with { Name = old.Name + "b" });
            var now = sampler.Now;
            await AllAdvancedAfterAsync(sampler, ids, now, TimeSpan.FromSeconds(30), $"every worker to index after {old.Name} was replaced");
        }

        var (id, pause) = sampler.LongestPause();
        output.WriteLine($"rolling restart of 3 silos: longest pause of any worker {pause.TotalSeconds:0.00} s ('{id}')");
        client = await cluster.ConnectAsync();
        Assert.All(await client.ListAsync().ToListAsync(), w => Assert.Equal(WorkerStatus.Running, w.Status));
        await AssertExactAsync(cluster, client, ids);
    }

    [Fact]
    public async Task RedisStoppedFor10s_WorkersPauseAndResumeExactly_NoneFails_SilosStayUp()
    {
        await using var cluster = await ProcessCluster.StartAsync(silos: 2, feedRate: FeedRate);
        var client = await cluster.ConnectAsync();
        var ids = await StartFeedWorkersAsync(cluster, client, "o", 40, feeds: 8);
        await using var sampler = new CheckpointSampler(cluster.Mux, cluster.ServiceId, ids);
        await AllIndexingAsync(sampler, ids, 5);

        await cluster.Redis.StopAsync();
        // The outage itself lasts 10 s (the scenario, not a wait for some condition).
        await Task.Delay(TimeSpan.FromSeconds(10));
        Assert.All(cluster.Silos, s => Assert.False(s.HasExited, $"{s.Name} exited during the Redis outage:\n{s.ReadLogTail()}"));
        await cluster.Redis.StartAsync();
        var restartedAt = sampler.Now;

        var slowest = await AllAdvancedAfterAsync(sampler, ids, restartedAt, TimeSpan.FromSeconds(60), "every worker to commit again after Redis came back");
        output.WriteLine($"Redis down 10 s: every worker committed again within {slowest.TotalSeconds:0.0} s of Redis restarting");

        Assert.All(cluster.Silos, s => Assert.False(s.HasExited, $"{s.Name} exited after the Redis outage:\n{s.ReadLogTail()}"));
        var rows = await client.ListAsync().ToListAsync();
        Assert.All(rows, w => Assert.NotEqual(WorkerStatus.Failed, w.Status));
        await AssertExactAsync(cluster, client, ids);
    }

    [Fact]
    public async Task SiloJoinsLoadedCluster_TakesAFairShareInBoundedTime_PartitionsEven_NoGapNoDuplicate()
    {
        await using var cluster = await ProcessCluster.StartAsync(silos: 2, feedRate: FeedRate);
        var client = await cluster.ConnectAsync();
        var ids = await StartFeedWorkersAsync(cluster, client, "s", 120, feeds: 10);
        await using var sampler = new CheckpointSampler(cluster.Mux, cluster.ServiceId, ids);
        await AllIndexingAsync(sampler, ids, 5);

        var joinedAt = Stopwatch.StartNew();
        var joiner = await cluster.StartSiloAsync("silo-2");
        var loads = await Eventually.UntilAsync(
            async () => (await client.ListAsync(WorkerStatus.Running).ToListAsync()).GroupBy(w => w.Silo ?? "").ToDictionary(g => g.Key, g => g.Count()),
            byLoad => byLoad.Count == 3 && byLoad.Values.All(n => n is >= 30 and <= 50) && byLoad.Values.Sum() == ids.Count,
            TimeSpan.FromSeconds(40),
            byLoad => $"every silo, {joiner.Name} included, to host a fair share (30..50 of 120) of the running workers; running by silo: "
                + string.Join(", ", byLoad.Select(kv => $"{kv.Key}={kv.Value}")));
        var rebalanced = joinedAt.Elapsed;
        output.WriteLine($"silo joined: it hosted {loads[joiner.SiloEndpoint]} of 120 workers {rebalanced.TotalSeconds:0.0} s after it was ready; by silo: "
            + string.Join(", ", loads.Select(kv => $"{kv.Key}={kv.Value}")));

        var partitions = await Eventually.UntilAsync(
            async () => (await cluster.ClusterClient.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics())
                .Where(g => g.GrainId.ToString().StartsWith("partition/", StringComparison.Ordinal))
                .GroupBy(g => g.SiloAddress.Endpoint.ToString())
                .ToDictionary(g => g.Key, g => g.Count()),
            // The sum too: while a partition migrates, the statistics can list it on both silos for a moment.
            bySilo => bySilo.Count == 3 && bySilo.Values.All(n => n is 2 or 3) && bySilo.Values.Sum() == 8,
            TimeSpan.FromSeconds(30),
            bySilo => "the 8 partitions spread 3/3/2 over the 3 silos; now: " + string.Join(", ", bySilo.Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.Equal(8, partitions.Values.Sum());

        var rows = await client.ListAsync().ToListAsync();
        Assert.All(rows, w => Assert.Equal(0, w.Restarts));
        await AssertExactAsync(cluster, client, ids);
    }
}
