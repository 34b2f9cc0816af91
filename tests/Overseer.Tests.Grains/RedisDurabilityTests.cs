using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Overseer.Hosting;
using Overseer.Models;
using Overseer.Outputs.Redis;
using Overseer.Redis;
using Overseer.Sources.Sequence;
using Overseer.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>A real Redis Cluster failover whose promoted replica lacks the last commits the primary acknowledged, with
/// the default durability (the worker finds the store behind it and goes on from the store) and with
/// <c>Overseer:Redis:MinReplicaAcks</c> 1 (those commits were never acknowledged, so nothing acknowledged is lost).</summary>
/// <remarks>
/// How the replica is made to lack acknowledged writes: it is frozen (SIGSTOP) and its primary drops its replication
/// link (<c>CLIENT KILL TYPE replica</c>), so writes after that point reach no replica — the freeze alone is not
/// enough, since the kernel keeps receiving the replication stream into the frozen replica's socket and it would apply
/// it on waking. The primary is then killed (SIGKILL) and the replica woken (SIGCONT); the cluster promotes it by
/// itself once the primary is marked failed. <c>cluster-replica-validity-factor 0</c> is set on the replica so that no
/// data-age rule can refuse that promotion on a slow machine (its link was down only a few seconds).
/// </remarks>
[Trait("Category", "Faults")]
public sealed partial class RedisDurabilityTests(RedisDurabilityFixture fixture, ITestOutputHelper output) : IClassFixture<RedisDurabilityFixture>
{
    private const long Limit = 1000;
    private const int Batch = 10;

    // The replica is cut off once the worker has committed this much, well before the end.
    private const long CutAfter = 100;

    // Commits the primary acknowledges after the cut, which the promoted replica will lack (no WAIT).
    private const long LostAtLeast = 50;

    // SupervisionLoop.Log.StoreBehind; ReplicaAcks.Log.ReplicaAcksMissing.
    private const int StoreBehindEventId = 15;
    private const int ReplicaAcksMissingEventId = 2;

    private static readonly TimeSpan PromotionDeadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RejoinDeadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PhaseDeadline = TimeSpan.FromSeconds(30);

    private readonly RedisCluster redis = fixture.Redis;

    [Fact]
    public async Task ReplicaPromotedWithoutTheLastAcknowledgedCommits_NoWait_WorkerGoesOnFromTheStore_NoRestartCounted_ExactlyOnce()
    {
        // Arrange
        var logs = new CapturedLogs(StoreBehindEventId);
        var overseer = await StartOverseerAsync(logs, minReplicaAcks: 0);
        var (id, primary, replica) = await WorkerOnAPrimaryWithAReplicaAsync(overseer);
        try
        {
            var keys = new RedisKeys(overseer.ServiceId);
            var clock = Stopwatch.StartNew();

            // Act: the replica stops receiving while the worker goes on committing on the primary.
            await overseer.Manager.StartAsync(id, Spec());
            await WorkerPastAsync(overseer, id, CutAfter);
            var cut = await CutOffAsync(primary, replica, overseer.Mux, keys.Cursor(id));
            var acknowledged = await Eventually.UntilAsync(
                () => CheckpointAsync(overseer.Mux, keys.Cursor(id)),
                cp => cp >= cut + LostAtLeast,
                PhaseDeadline,
                cp => $"after the cut: the primary {primary.Port} to acknowledge commits of worker '{id}' up to {cut + LostAtLeast}; it holds {cp}");
            await FailOverAsync(primary, replica);
            var promotedAt = clock.Elapsed;
            var done = await WaitForStatusAsync(overseer.Client, id, WorkerStatus.Completed, PhaseDeadline);
            var behind = logs.Entries.Where(e => e.Message.Contains(id, StringComparison.Ordinal)).Select(e => StoreBehindOf(e.Message)).ToList();
            output.WriteLine($"cut at {cut}, primary {primary.Port} acknowledged {acknowledged} before its kill; replica {replica.Port} promoted at "
                + $"{promotedAt.TotalSeconds:0.0} s; store behind: {string.Join(", ", behind.Select(b => $"committed {b.Committed}, stored {b.Stored}"))}; done at {clock.Elapsed.TotalSeconds:0.0} s");

            // Assert
            Assert.True(behind.Count > 0, $"the set-up lost nothing: worker '{id}' never found the promoted replica {replica.Port} behind it "
                + $"(the primary had acknowledged {acknowledged}, cut at {cut}); the test proves nothing unless the replica lacks acknowledged commits");
            Assert.True(behind[0].Stored < acknowledged, $"the promoted store held checkpoint {behind[0].Stored}, not below the {acknowledged} the primary acknowledged: nothing acknowledged was lost");
            Assert.True(done.Restarts == 0, $"the failover counted as {done.Restarts} restarts of worker '{id}' (last error '{done.LastError}'); a store found behind is not the worker's crash");
            Assert.Equal(Limit, done.Checkpoint);
            await AssertExactlyOnceAsync(overseer.Client, id, Limit);
        }
        finally
        {
            await overseer.DisposeAsync();
            await RestoreAsync(primary, replica);
        }
    }

    [Fact]
    public async Task ReplicaPromotedWhileCutOff_WaitForOneReplica_NothingAcknowledgedIsLost_ExactlyOnce()
    {
        // Arrange
        var logs = new CapturedLogs(StoreBehindEventId, ReplicaAcksMissingEventId);
        var overseer = await StartOverseerAsync(logs, minReplicaAcks: 1);
        var (id, primary, replica) = await WorkerOnAPrimaryWithAReplicaAsync(overseer);
        try
        {
            var keys = new RedisKeys(overseer.ServiceId);
            var worker = overseer.Client.GetGrain<IWorkerGrain>(id);

            // Act 1: with the replica cut off, the primary takes the next batch but it does not count.
            await overseer.Manager.StartAsync(id, Spec());
            await WorkerPastAsync(overseer, id, CutAfter);
            await CutOffAsync(primary, replica, overseer.Mux, keys.Cursor(id));

            // The worker has one commit in flight at a time, and no WAIT sent after the cut can succeed: once a shortfall
            // is logged after the cut, every earlier commit has been taken into the checkpoint, and no later one can be.
            var beforeCut = Shortfalls(logs, id);
            await Eventually.UntilAsync(
                () => Task.FromResult(Shortfalls(logs, id)),
                n => n > beforeCut,
                PhaseDeadline,
                n => $"after the cut: a WAIT shortfall of worker '{id}' on primary {primary.Port}; seen {n}");
            var frozen = (await worker.GetInfoAsync()).Checkpoint;
            var seen = Shortfalls(logs, id);
            await Eventually.UntilAsync(
                () => Task.FromResult(Shortfalls(logs, id)),
                n => n >= seen + 3,
                PhaseDeadline,
                n => $"after the cut: three more WAIT shortfalls of worker '{id}' (its retries); seen {n - seen}");
            var stillAcknowledged = (await worker.GetInfoAsync()).Checkpoint;
            var onPrimary = await CheckpointAsync(overseer.Mux, keys.Cursor(id));

            // Act 2: the primary dies with that batch; the replica is promoted without it; the old primary comes back as
            // its replica, so that WAIT can be satisfied again.
            await FailOverAsync(primary, replica);
            await RejoinAsync(primary);
            var done = await WaitForStatusAsync(overseer.Client, id, WorkerStatus.Completed, PhaseDeadline);
            var behind = logs.Entries.Where(e => e.Event.Id == StoreBehindEventId && e.Message.Contains(id, StringComparison.Ordinal)).ToList();
            output.WriteLine($"acknowledged {frozen} then {stillAcknowledged} while cut off, primary {primary.Port} held {onPrimary}; "
                + $"{Shortfalls(logs, id)} shortfalls in all; store behind {behind.Count} times");

            // Assert
            Assert.True(stillAcknowledged == frozen, $"worker '{id}' acknowledged commits while no replica could have them: checkpoint {frozen}, then {stillAcknowledged}");
            Assert.True(onPrimary > frozen && onPrimary <= frozen + Batch,
                $"the primary should hold exactly the one batch that did not count ({frozen} < cp <= {frozen + Batch}); it holds {onPrimary}");
            Assert.True(behind.Count == 0, $"the promoted replica was behind what worker '{id}' had acknowledged: {string.Join(" | ", behind.Select(b => b.Message))}");
            Assert.True(done.Restarts == 0, $"the failover counted as {done.Restarts} restarts of worker '{id}' (last error '{done.LastError}')");
            Assert.Equal(Limit, done.Checkpoint);
            await AssertExactlyOnceAsync(overseer.Client, id, Limit);
        }
        finally
        {
            await overseer.DisposeAsync();
            await RestoreAsync(primary, replica);
        }
    }

    private static WorkerSpec Spec() =>
        WorkerSpec.For(SequenceSourceFactory.Kind, ("limit", $"{Limit}"), ("batch", $"{Batch}"), ("delayMs", "20"));

    private async Task<OverseerCluster> StartOverseerAsync(CapturedLogs logs, int minReplicaAcks)
    {
        var overseer = new OverseerCluster
        {
            RedisConnectionString = redis.ConnectionString,
            Silos = 1,
            ConfigureSilo = silo =>
            {
                silo.Services.AddSingleton<ILoggerProvider>(logs);
                silo.Services.Configure<RedisDurabilityOptions>(o =>
                {
                    o.MinReplicaAcks = minReplicaAcks;
                    o.ReplicaAckTimeout = TimeSpan.FromMilliseconds(500);
                });
            },
        };
        await overseer.InitializeAsync();
        return overseer;
    }

    /// <summary>A fresh worker id whose keys live on a primary that has a replica now, with both nodes.</summary>
    private async Task<(string Id, RedisServer Primary, RedisServer Replica)> WorkerOnAPrimaryWithAReplicaAsync(OverseerCluster overseer)
    {
        var keys = new RedisKeys(overseer.ServiceId);
        var mux = overseer.Mux;
        var layout = mux.GetServer(mux.GetEndPoints()[0]).ClusterConfiguration
            ?? throw new InvalidOperationException("the connection does not see a Redis Cluster");
        var problems = new List<string>();
        for (var n = 0; n < 10; n++)
        {
            var id = $"durability-{Guid.NewGuid():N}";
            var endPoint = layout.GetBySlot(mux.HashSlot(keys.Cursor(id)))?.EndPoint as IPEndPoint;
            var primary = redis.Nodes.SingleOrDefault(s => s.Port == endPoint?.Port && s.IsRunning);
            if (primary is null)
            {
                problems.Add($"{id}: no running node serves {endPoint}");
                continue;
            }

            try
            {
                return (id, primary, await redis.ReplicaOfAsync(primary));
            }
            catch (InvalidOperationException e)
            {
                problems.Add(e.Message);
            }
        }

        throw new InvalidOperationException($"no worker id on a primary with a replica: {string.Join(" | ", problems)}");
    }

    private static Task WorkerPastAsync(OverseerCluster overseer, string id, long checkpoint) =>
        Eventually.UntilAsync(
            () => overseer.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync(),
            i => i.Checkpoint >= checkpoint,
            PhaseDeadline,
            i => $"before the cut: worker '{id}' past checkpoint {checkpoint}; it is {i.Status} at {i.Checkpoint}, last error '{i.LastError}'");

    /// <summary>Freezes <paramref name="replica"/> and makes <paramref name="primary"/> drop its replication link: from
    /// here on no write of the primary reaches a replica. Returns the worker's checkpoint on the primary just after.</summary>
    private async Task<long> CutOffAsync(RedisServer primary, RedisServer replica, IConnectionMultiplexer mux, RedisKey cursor)
    {
        await redis.CommandAsync(replica, ["config", "set", "cluster-replica-validity-factor", "0"]);
        replica.Pause();
        var killed = (await redis.CommandAsync(primary, ["client", "kill", "type", "replica"])).Trim();
        Assert.True(killed == "1", $"primary {primary.Port} should have dropped exactly its one replica link; CLIENT KILL answered '{killed}'");
        return await CheckpointAsync(mux, cursor);
    }

    /// <summary>Kills <paramref name="primary"/>, wakes <paramref name="replica"/> and waits until the cluster promoted it.</summary>
    private async Task FailOverAsync(RedisServer primary, RedisServer replica)
    {
        await primary.KillAsync();
        replica.Resume();
        await redis.AwaitPromotionAsync(replica, PromotionDeadline);
    }

    /// <summary>Starts the killed primary again and waits until it serves as a synced replica (of the promoted node).</summary>
    private async Task RejoinAsync(RedisServer primary)
    {
        await primary.StartAsync();
        await redis.AwaitReplicaAsync(primary, RejoinDeadline);
    }

    /// <summary>Leaves the shared cluster whole for the next test, whatever happened: the frozen replica woken, the
    /// killed primary back as a synced replica.</summary>
    private async Task RestoreAsync(RedisServer primary, RedisServer replica)
    {
        if (replica.IsRunning)
        {
            replica.Resume();
        }

        if (!primary.IsRunning)
        {
            await RejoinAsync(primary);
        }
    }

    private static async Task<long> CheckpointAsync(IConnectionMultiplexer mux, RedisKey cursor) =>
        (long)await mux.GetDatabase().HashGetAsync(cursor, "cp");

    private static int Shortfalls(CapturedLogs logs, string id) =>
        logs.Entries.Count(e => e.Event.Id == ReplicaAcksMissingEventId && e.Category == typeof(ReplicaAcks).FullName && e.Message.Contains(id, StringComparison.Ordinal));

    private static (long Committed, long Stored) StoreBehindOf(string message)
    {
        var m = StoreBehindNumbers().Match(message);
        Assert.True(m.Success, $"a store-behind log without its checkpoints: {message}");
        return (long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"committed \((\d+); stored (\d+)\)")]
    private static partial Regex StoreBehindNumbers();
}
