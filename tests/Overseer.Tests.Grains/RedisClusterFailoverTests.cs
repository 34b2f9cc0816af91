using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Overseer.Redis;
using Overseer.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;
using static Overseer.Tests.Grains.CrashSchedule;

namespace Overseer.Tests.Grains;

/// <summary>A kill -9 of a Redis Cluster primary (every node requiring the password the connection string carries) while
/// workers commit and crash on schedule: the cluster promotes the
/// replica by itself, the failover (connection errors, CLUSTERDOWN, MOVED) is an outage and never a crash, and every
/// worker ends with exactly its scheduled restarts and every event once.</summary>
/// <remarks>Its own Redis Cluster and silos (not a class fixture shared with other tests): it kills a node. Replication
/// is asynchronous, so the promoted replica may lack the last acknowledged commits; the worker then finds the store
/// behind it and goes on from the store (README "Guarantees"), which keeps both assertions exact.</remarks>
[Trait("Category", "Faults")]
public sealed class RedisClusterFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int WorkersPerPrimary = 2;

    private static readonly TimeSpan PromotionDeadline = TimeSpan.FromSeconds(20);

    private readonly CapturedLogs logs = new(StoreBehindEventId);
    private RedisCluster redis = null!;
    private OverseerCluster overseer = null!;

    public async Task InitializeAsync()
    {
        redis = await RedisCluster.StartNewAsync(password: "cluster-test-secret");
        try
        {
            overseer = new OverseerCluster
            {
                RedisConnectionString = redis.ConnectionString,
                ConfigureSilo = silo => silo.Services.AddSingleton<ILoggerProvider>(logs),
            };
            await overseer.InitializeAsync();
        }
        catch
        {
            await redis.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        // The killed primary is simply absent: its RedisServer has no process, and the silos talk to its promoted replica.
        await overseer.DisposeAsync();
        await redis.DisposeAsync();
    }

    [Fact]
    public async Task PrimaryKilled_WhileWorkersCommitAndCrash_ReplicaPromoted_NoRestartCountedAndExactlyOnce()
    {
        // Arrange: two workers whose keys hash to each primary, on CrashSchedule's schedule.
        var clock = Stopwatch.StartNew();
        var keys = new RedisKeys(overseer.ServiceId);
        var byPrimary = WorkerIdsByPrimary(keys);
        var ids = byPrimary.SelectMany(p => p.Value).ToArray();
        var (victimEndPoint, victimIds) = byPrimary.First();
        var victim = redis.Nodes.Single(n => victimEndPoint is IPEndPoint ip && n.Port == ip.Port);
        var replica = await redis.ReplicaOfAsync(victim);

        // Act
        await Task.WhenAll(ids.Select(id => overseer.Manager.StartAsync(id, Spec)));
        var before = await ReadyForTheFaultAsync(overseer.Client, ids);
        await victim.KillAsync();
        var killedAt = clock.Elapsed;
        await redis.AwaitPromotionAsync(replica, PromotionDeadline);
        var promotedAt = clock.Elapsed;
        var atPromotion = await InfosAsync(overseer.Client, ids);

        var ended = await EndedAsync(overseer.Client, ids, $"after the failover of primary {victim.Port}");
        var endedAt = clock.Elapsed;
        var storeBehind = logs.Entries;
        output.WriteLine(
            $"killed primary {victim.Port} (workers {string.Join(", ", victimIds)}) at {killedAt.TotalSeconds:0.0} s with checkpoints "
            + $"{Checkpoints(before)}; replica {replica.Port} promoted at {promotedAt.TotalSeconds:0.0} s with "
            + $"checkpoints {Checkpoints(atPromotion)}; "
            + $"all ended at {endedAt.TotalSeconds:0.0} s; store behind {storeBehind.Count} times");
        foreach (var entry in storeBehind)
        {
            output.WriteLine($"store behind: {entry.Message}");
        }

        // Assert
        await AssertUnhurtAsync(overseer.Client, ended, $"the failover of primary {victim.Port}");
    }

    /// <summary>Fresh worker ids, <see cref="WorkersPerPrimary"/> per primary, each id's keys in a slot that primary serves.</summary>
    private Dictionary<EndPoint, List<string>> WorkerIdsByPrimary(RedisKeys keys)
    {
        var mux = overseer.Mux;
        var layout = mux.GetServer(mux.GetEndPoints()[0]).ClusterConfiguration
            ?? throw new InvalidOperationException("the connection does not see a Redis Cluster");
        var byPrimary = new Dictionary<EndPoint, List<string>>();
        for (var n = 0; byPrimary.Count < RedisCluster.PrimaryCount || byPrimary.Values.Any(v => v.Count < WorkersPerPrimary); n++)
        {
            Assert.True(n < 10_000, $"not {WorkersPerPrimary} worker ids on every primary after {n} tries");
            var id = $"failover-{Guid.NewGuid():N}";
            var primary = layout.GetBySlot(mux.HashSlot(keys.Cursor(id)))?.EndPoint
                ?? throw new InvalidOperationException($"no primary serves the slot of {keys.Cursor(id)}");
            var list = byPrimary.TryGetValue(primary, out var found) ? found : byPrimary[primary] = [];
            if (list.Count < WorkersPerPrimary)
            {
                list.Add(id);
            }
        }

        return byPrimary;
    }
}
