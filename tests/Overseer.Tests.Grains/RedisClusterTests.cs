using System.Net;
using Overseer.Models;
using Overseer.Redis;
using Overseer.Sources.Sequence;
using Overseer.Testing;
using StackExchange.Redis;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>The guarantees a Redis Cluster could change, on a real 3-primary, 3-replica cluster: workers whose keys live
/// on different primaries commit exactly once, through a stop and resume and through a rewind. The multi-key scripts
/// would fail here with CROSSSLOT if a worker's keys left its hash slot (HashSlotRuleTests states the rule).</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterTests(RedisClusterFixture fixture)
{
    private const string Actor = "tester@ci";
    private const long Events = 300;

    private OverseerCluster Overseer => fixture.Overseer;

    [Fact]
    public async Task SequenceWorkers_OnEachPrimary_CommitExactlyOnce_ThroughAStopResumeAndARewind()
    {
        // Arrange: one worker whose keys hash to each primary, so every primary runs the commit scripts. The stopped
        // one has no limit, so its stop always lands mid-run.
        var keys = new RedisKeys(Overseer.ServiceId);
        var ids = WorkerIdsOnEachPrimary(keys);
        var (stopped, rewound, plain) = (ids[0], ids[1], ids[2]);
        var limited = WorkerSpec.For(SequenceSourceFactory.Kind, ("limit", $"{Events}"), ("batch", "10"), ("delayMs", "5"));

        // Act
        await Overseer.Manager.StartAsync(stopped, WorkerSpec.For(SequenceSourceFactory.Kind, ("batch", "10"), ("delayMs", "5")));
        await Overseer.Manager.StartAsync(rewound, limited);
        await Overseer.Manager.StartAsync(plain, limited);

        await CommittedAsync(stopped, 50, "before its stop");
        var firstStop = await Overseer.Manager.StopAsync(stopped);
        await Overseer.Manager.ResumeAsync(stopped);
        await CommittedAsync(stopped, firstStop.Checkpoint + 50, $"after its resume from {firstStop.Checkpoint}");
        var secondStop = await Overseer.Manager.StopAsync(stopped);

        await WaitForStatusAsync(Overseer.Client, rewound, WorkerStatus.Completed);
        var rewind = await Overseer.Manager.RewindAsync(rewound, 120, Actor);
        await Overseer.Manager.ResumeAsync(rewound);

        // Assert
        Assert.Equal((WorkerStatus.Stopped, WorkerStatus.Stopped), (firstStop.Status, secondStop.Status));
        await AssertExactlyOnceAsync(Overseer.Client, stopped, secondStop.Checkpoint);
        Assert.Equal((120L, Events, Events - 120), (rewind.Worker.Checkpoint, rewind.FromCheckpoint, rewind.EventsRemoved));
        foreach (var id in new[] { rewound, plain })
        {
            await WaitForStatusAsync(Overseer.Client, id, WorkerStatus.Completed);
            await AssertExactlyOnceAsync(Overseer.Client, id, Events);
        }

        var db = Overseer.Mux.GetDatabase();
        Assert.Equal(
            [secondStop.Checkpoint, Events, Events],
            await Task.WhenAll(ids.Select(id => db.StreamLengthAsync(keys.Events(id)))));
        foreach (var id in ids)
        {
            var state = await OrleansKeysAsync(id);
            Assert.True(state.Count == 1, $"worker '{id}': one Orleans grain state key on the cluster, found [{string.Join(", ", state)}]");
        }
    }

    [Fact]
    public async Task StreamFollower_OnAnotherPrimary_FollowsLive_ByTheShardedCommitNotification_ExactlyOnce()
    {
        // Arrange: the upstream's keys (and its commit channel) on one primary, the follower's on another. A re-read only
        // every minute: keeping up within the deadline takes the SPUBLISH of the upstream's commit script on its shard.
        var ids = WorkerIdsOnEachPrimary(new RedisKeys(Overseer.ServiceId));
        var (upstream, follower) = (ids[0], ids[1]);
        await Overseer.Manager.StartAsync(upstream, WorkerSpec.For(SequenceSourceFactory.Kind, ("batch", "10"), ("delayMs", "5")));
        await Overseer.Manager.StartAsync(follower, WorkerSpec.For("stream", ("upstream", upstream), ("maxWaitMs", "60000")));

        // Act
        await CommittedAsync(follower, 50, "while its upstream runs");
        var ended = await Overseer.Manager.StopAsync(upstream);
        var caughtUp = await Eventually.UntilAsync(
            () => Overseer.Client.GetGrain<IWorkerGrain>(follower).GetInfoAsync(),
            i => i.Checkpoint == ended.Checkpoint,
            Deadline,
            i => $"follower '{follower}' to reach its stopped upstream's checkpoint {ended.Checkpoint}; it is {i.Status} at {i.Checkpoint} ('{i.LastError}')");
        var events = await Overseer.Client.GetGrain<IWorkerGrain>(follower).GetEventsAsync(1, 10_000);

        // Assert
        Assert.Equal(0, caughtUp.Restarts);
        Assert.Equal(
            [.. Enumerable.Range(1, (int)ended.Checkpoint).Select(i => ((long)i, SequenceSource.Payload(upstream, i)))],
            events.Select(e => (e.Seq, e.Payload)).ToList());
        await Overseer.Manager.DeleteAsync(follower, keepEvents: false, Actor);
        await Overseer.Manager.DeleteAsync(upstream, keepEvents: false, Actor);
    }

    private Task<WorkerInfo> CommittedAsync(string id, long atLeast, string phase) =>
        Eventually.UntilAsync(
            () => Overseer.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync(),
            i => i.Checkpoint >= atLeast,
            Deadline,
            i => $"worker '{id}' to commit {atLeast} events {phase}; it is {i.Status} at {i.Checkpoint}");

    /// <summary>The keys on the primaries that name <paramref name="id"/> and are not Overseer's own: Orleans' grain state.</summary>
    private async Task<List<string>> OrleansKeysAsync(string id)
    {
        var found = new List<string>();
        foreach (var primary in fixture.Redis.Primaries)
        {
            var server = Overseer.Mux.GetServer("127.0.0.1", primary.Port);
            await foreach (var key in server.KeysAsync(pattern: $"*{id}*"))
            {
                if (!((string)key!).StartsWith("overseer:", StringComparison.Ordinal))
                {
                    found.Add(key!);
                }
            }
        }

        return found;
    }

    /// <summary>Fresh worker ids, one per primary, each id's keys in a slot that primary serves.</summary>
    private string[] WorkerIdsOnEachPrimary(RedisKeys keys)
    {
        var mux = Overseer.Mux;
        var layout = mux.GetServer(mux.GetEndPoints()[0]).ClusterConfiguration
            ?? throw new InvalidOperationException("the connection does not see a Redis Cluster");
        var byPrimary = new Dictionary<EndPoint, string>();
        for (var n = 0; byPrimary.Count < fixture.Redis.Primaries.Count; n++)
        {
            Assert.True(n < 10_000, $"no worker ids on every primary after {n} tries; found {byPrimary.Count}");
            var id = $"cluster-{Guid.NewGuid():N}";
            var primary = layout.GetBySlot(mux.HashSlot(keys.Cursor(id)))?.EndPoint
                ?? throw new InvalidOperationException($"no primary serves the slot of {keys.Cursor(id)}");
            byPrimary.TryAdd(primary, id);
        }

        return [.. byPrimary.Values];
    }
}
