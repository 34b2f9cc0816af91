using System.Diagnostics;
using Overseer.Models;
using Overseer.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Overseer.Tests.Cluster;

/// <summary>kill -9 of the silo process that runs <c>stream</c> followers mid-run: each resumes elsewhere at its own
/// checkpoint and ends holding exactly its upstream's events, once each, with no restart counted. One follower is
/// started through the CLI.</summary>
public sealed class StreamFollowerCrashTests(ITestOutputHelper output)
{
    private const long Last = 1500;

    [Fact]
    public async Task KillTheSiloOfFollowersMidRun_EachResumesAtItsCheckpoint_HoldingItsUpstreamsEventsOnce()
    {
        await using var cluster = await ProcessCluster.StartAsync(silos: 2);
        var client = await cluster.ConnectAsync();
        var followers = Enumerable.Range(0, 8).Select(i => $"follower-{i}").ToList();

        // The CLI starts the kind like any other (and refuses a worker following itself, exit 1); the client the rest.
        // The upstream takes 300 fetches of 20 ms or more, so its followers are still mid-run when the victim is chosen.
        var self = await ProcessRunner.CliAsync(cluster, "start", "narcissus", "--source", "stream", "--option", "upstream=narcissus");
        await client.StartAsync("raw", WorkerSpec.For("sequence", ("limit", $"{Last}"), ("batch", "5"), ("delayMs", "20")));
        var cli = await ProcessRunner.CliAsync(cluster, "start", followers[0], "--source", "stream", "--option", "upstream=raw", "--option", "batch=5");
        foreach (var id in followers.Skip(1))
        {
            await client.StartAsync(id, WorkerSpec.For("stream", ("upstream", "raw"), ("batch", "5")));
        }

        // The victim is whichever silo runs a follower mid-run (placement decides where they are).
        var victimEndpoint = await Eventually.UntilAsync(
            async () => (await client.ListAsync().Where(w => w.Id.StartsWith("follower-", StringComparison.Ordinal) && w.Checkpoint is > 100 and < Last - 400).ToListAsync())
                .Select(w => w.Silo).FirstOrDefault(),
            silo => silo is not null,
            TimeSpan.FromSeconds(60),
            _ => $"a follower mid-run (checkpoint 101..{Last - 401}) before the kill");
        var victim = cluster.Silos.First(s => s.SiloEndpoint == victimEndpoint);
        var onVictim = (await client.ListAsync().ToListAsync()).Count(w => w.Silo == victimEndpoint && w.Id.StartsWith("follower-", StringComparison.Ordinal));
        victim.Kill();
        var killedAt = Stopwatch.StartNew();

        await Eventually.UntilAsync(
            async () => (await Task.WhenAll(followers.Select(cluster.CheckpointAsync))).All(cp => cp == Last),
            TimeSpan.FromSeconds(90),
            () => $"every follower at checkpoint {Last} after kill -9 of {victimEndpoint}" + Environment.NewLine + cluster.LogTails());
        output.WriteLine($"{onVictim} followers ran on the killed silo; all caught up {killedAt.Elapsed.TotalSeconds:0.0} s after the kill");

        var upstream = await EntriesAsync(cluster, "raw");
        ExactlyOnce.Assert("raw", [.. upstream.Select(e => e.Seq)], Last);
        var rows = await client.ListAsync().Where(w => w.Id.StartsWith("follower-", StringComparison.Ordinal)).ToListAsync();
        foreach (var id in followers)
        {
            Assert.Equal(upstream, await EntriesAsync(cluster, id));
        }

        Assert.True(cli.ExitCode == 0, $"overseer start --source stream exited {cli.ExitCode}: {cli.Stderr}");
        Assert.Equal(1, self.ExitCode);
        Assert.Contains("invalid option upstream='narcissus' for worker 'narcissus': a worker cannot follow itself", self.Stderr);
        Assert.True(onVictim >= 1, $"no follower ran on the killed silo {victimEndpoint}");
        Assert.All(rows, w => Assert.True(w.Restarts == 0, $"follower '{w.Id}' counted {w.Restarts} restarts for a silo loss (last error '{w.LastError}')"));
        Assert.All(rows, w => Assert.NotEqual(victimEndpoint, w.Silo));
    }

    /// <summary>The worker's stream entries (seq, payload), read from Redis itself.</summary>
    private static async Task<List<(long Seq, string Payload)>> EntriesAsync(ProcessCluster cluster, string workerId)
    {
        var entries = await cluster.Mux.GetDatabase().StreamRangeAsync((RedisKey)$"overseer:{cluster.ServiceId}:w:{{{workerId}}}:events");
        return [.. entries.Select(e => (long.Parse(((string)e.Id!).Split('-')[0], System.Globalization.CultureInfo.InvariantCulture), (string)e["p"]!))];
    }
}
