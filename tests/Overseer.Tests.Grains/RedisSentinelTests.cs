using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Overseer.Hosting;
using Overseer.Redis;
using Overseer.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;
using static Overseer.Tests.Grains.CrashSchedule;

namespace Overseer.Tests.Grains;

/// <summary>Overseer on Redis Sentinel (a primary, 2 replicas, 3 sentinels, every one requiring the password the Sentinel
/// connection string carries: <c>password=</c> serves the sentinels and the data nodes alike):
/// a kill -9 of the primary while workers commit and crash on schedule. The sentinels promote a replica, the silos'
/// connection follows it, the failover is an outage and never a crash, and every worker ends with exactly its
/// scheduled restarts and every event once — with the default durability, and with each commit counting only once a
/// replica has it (<c>MinReplicaAcks</c> 1: the <c>WAIT</c>s go through a connection of their own, which must follow the
/// promotion too).</summary>
/// <remarks>Its own deployment and silos: it kills the primary. Replication is asynchronous, so the promoted replica may
/// lack the last acknowledged commits; the worker then finds the store behind it and goes on from the store (README
/// "Guarantees"), which keeps both assertions exact. Grain storage and Overseer's own keys go through the Sentinel
/// connection here; membership stays the in-process test host's own table, so Orleans' Redis membership on Sentinel is
/// covered with real silo processes (StoreFailoverTests).</remarks>
[Trait("Category", "Faults")]
public sealed class RedisSentinelTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Workers = 6;
    // A promotion takes 2-6 s here; an election no sentinel wins is retried 4 s later (RedisSentinelNode).
    private static readonly TimeSpan PromotionDeadline = TimeSpan.FromSeconds(30);

    private readonly CapturedLogs logs = new(StoreBehindEventId);
    private RedisSentinel redis = null!;
    private OverseerCluster? overseer;

    public async Task InitializeAsync() => redis = await RedisSentinel.StartNewAsync(password: "sentinel-test-secret");

    public async Task DisposeAsync()
    {
        if (overseer is not null)
        {
            await overseer.DisposeAsync();
        }

        await redis.DisposeAsync();
    }

    /// <summary>Overseer on the Sentinel deployment, its commits counting once <paramref name="minReplicaAcks"/> replicas
    /// have them (<c>WAIT</c> on a connection of their own, which must follow the promotion like the silo's own).</summary>
    private async Task<OverseerCluster> StartOverseerAsync(int minReplicaAcks)
    {
        overseer = new OverseerCluster
        {
            RedisConnectionString = redis.ConnectionString,
            ConfigureSilo = silo =>
            {
                silo.Services.AddSingleton<ILoggerProvider>(logs);
                silo.Services.Configure<RedisDurabilityOptions>(o => o.MinReplicaAcks = minReplicaAcks);
            },
        };
        await overseer.InitializeAsync();
        return overseer;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task PrimaryKilled_WhileWorkersCommitAndCrash_SentinelPromotesAReplica_NoRestartCountedAndExactlyOnce(int minReplicaAcks)
    {
        // Arrange
        var overseer = await StartOverseerAsync(minReplicaAcks);
        var clock = Stopwatch.StartNew();
        var ids = Enumerable.Range(0, Workers).Select(i => $"sentinel-{i}-{Guid.NewGuid():N}").ToArray();
        var primary = await redis.PrimaryAsync();
        var keys = new RedisKeys(overseer.ServiceId);

        // Act
        await Task.WhenAll(ids.Select(id => overseer.Manager.StartAsync(id, Spec)));
        var before = await ReadyForTheFaultAsync(overseer.Client, ids);
        var onFirstPrimary = await CursorsOnAsync(primary, keys, ids);
        var killed = await redis.KillPrimaryAsync();
        var killedAt = clock.Elapsed;
        var promoted = await redis.AwaitPromotionAsync(killed, PromotionDeadline);
        var promotedAt = clock.Elapsed;
        var atPromotion = await InfosAsync(overseer.Client, ids);
        await Eventually.UntilAsync(
            async () => (await CursorsOnAsync(promoted, keys, ids)).Zip(atPromotion).All(p => p.First > p.Second.Checkpoint),
            EndDeadline,
            () => $"after the promotion of {promoted.Port}: every worker to commit on it beyond its checkpoint at the promotion {Checkpoints(atPromotion)}");
        var resumedAt = clock.Elapsed;
        var ended = await EndedAsync(overseer.Client, ids, $"after the failover from {killed.Port} to {promoted.Port}");
        var endedAt = clock.Elapsed;
        var onNewPrimary = await CursorsOnAsync(promoted, keys, ids);
        output.WriteLine(
            $"killed primary {killed.Port} at {killedAt.TotalSeconds:0.0} s with checkpoints {Checkpoints(before)}; replica {promoted.Port} "
            + $"promoted at {promotedAt.TotalSeconds:0.0} s with checkpoints {Checkpoints(atPromotion)}; every worker committed on it by "
            + $"{resumedAt.TotalSeconds:0.0} s; all ended at {endedAt.TotalSeconds:0.0} s; "
            + $"store behind {logs.Entries.Count} times");
        foreach (var entry in logs.Entries)
        {
            output.WriteLine($"store behind: {entry.Message}");
        }

        output.WriteLine(redis.FailoverEvents());

        // Assert: the connection string reached the primary the sentinels named, and followed them to the promoted one.
        Assert.Same(primary, killed);
        Assert.Equal(Workers, onFirstPrimary.Count(cp => cp >= FaultAfter));
        Assert.Equal(Enumerable.Repeat(Limit, Workers), onNewPrimary);
        await AssertUnhurtAsync(overseer.Client, ended, $"the Sentinel failover from {killed.Port} to {promoted.Port}");
    }

    /// <summary>Each worker's committed checkpoint as <paramref name="server"/> itself holds it (a direct connection to that
    /// node, not through the sentinels).</summary>
    private static async Task<long[]> CursorsOnAsync(RedisServer server, RedisKeys keys, string[] ids)
    {
        await using var direct = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var db = direct.GetDatabase();
        var cps = await Task.WhenAll(ids.Select(id => db.HashGetAsync(keys.Cursor(id), "cp")));
        return [.. cps.Select(cp => cp.IsNull ? 0L : (long)cp)];
    }
}
