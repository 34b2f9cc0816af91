using Overseer.Errors;
using Overseer.Models;
using Overseer.Outputs;
using Overseer.Redis;
using Overseer.Sources.Sequence;
using Overseer.Testing;
using StackExchange.Redis;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>The operator's delete and rewind on a 2-silo cluster: what they remove, what a worker does afterwards
/// (exactly once from the new checkpoint), what they refuse, and the audit stream. Each store's class runs every case
/// here: <see cref="RedisWorkerOperationsTests"/> (one redis-server), <see cref="RedisClusterWorkerOperationsTests"/>
/// (a real Redis Cluster).</summary>
public abstract class WorkerOperationsTests(OverseerCluster fixture)
{
    private const string Actor = "tester@ci";

    private static string NewId(string name) => $"{name}-{Guid.NewGuid():N}";

    private static WorkerSpec Sequence(params (string, string)[] options) => WorkerSpec.For(SequenceSourceFactory.Kind, options);

    private IWorkerGrain Worker(string id) => fixture.Client.GetGrain<IWorkerGrain>(id);

    private Task<WorkerInfo> CommittedAsync(string id, long atLeast) =>
        Eventually.UntilAsync(
            () => Worker(id).GetInfoAsync(),
            i => i.Checkpoint >= atLeast,
            Deadline,
            i => $"'{id}' to commit {atLeast} events; it is {i.Status} at {i.Checkpoint}");

    /// <summary>Every Redis key, registry field and pool entry that still names <paramref name="id"/>, on every primary.</summary>
    private async Task<List<string>> LeftoversAsync(string id)
    {
        var db = fixture.Mux.GetDatabase();
        var keys = new RedisKeys(fixture.ServiceId);
        var found = new List<string>();
        foreach (var server in fixture.Mux.GetServers().Where(s => !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: $"*{id}*"))
            {
                found.Add($"key {key}");
            }
        }

        for (var p = 0; p < OverseerCluster.Partitions; p++)
        {
            if (await db.HashExistsAsync(keys.Registry(p), id))
            {
                found.Add($"registry row in partition {p}");
            }
        }

        foreach (var pool in keys.Pool)
        {
            var type = await db.KeyTypeAsync(pool);
            if ((type == RedisType.SortedSet && await db.SortedSetScoreAsync(pool, id) is not null)
                || (type == RedisType.Hash && await db.HashExistsAsync(pool, id)))
            {
                found.Add($"pool entry in {pool}");
            }
        }

        return found;
    }

    [Fact]
    public async Task Delete_OfARunningWorker_LeavesNothing_AndTheSameIdStartsAgainAtSeqOne()
    {
        var id = NewId("del");
        await fixture.Manager.StartAsync(id, Sequence(("delayMs", "5"), ("batch", "10")));
        await CommittedAsync(id, 50);
        var before = await LeftoversAsync(id);

        var deleted = await fixture.Manager.DeleteAsync(id, keepEvents: false, Actor);

        // What there was to remove: the cursor, the events, the grain state and the registry row.
        Assert.True(before.Count(f => f.StartsWith("key ", StringComparison.Ordinal)) >= 3 && before.Contains("registry row in partition " + Registry.WorkerPartitioner.PartitionOf(id, OverseerCluster.Partitions)), string.Join(", ", before));

        Assert.True(deleted.Checkpoint >= 50, $"checkpoint at delete {deleted.Checkpoint}");
        Assert.Equal(deleted.Checkpoint, deleted.EventsRemoved);
        Assert.False(deleted.EventsKept);
        await ThrowsOverseerAsync(OverseerErrorCode.UnknownWorker, () => Worker(id).GetInfoAsync());
        Assert.DoesNotContain(id, (await fixture.Manager.ListAsync(new WorkerQuery())).Items.Select(i => i.Id));
        Assert.Empty(await LeftoversAsync(id));

        await fixture.Manager.StartAsync(id, Sequence(("limit", "30"), ("batch", "7")));
        await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);
        await AssertExactlyOnceAsync(fixture.Client, id, 30);
        await fixture.Manager.DeleteAsync(id, keepEvents: false, Actor);
    }

    [Fact]
    public async Task Delete_KeepEvents_KeepsTheStream_ANewStartIsRefusedUntilTheyAreDeleted()
    {
        var id = NewId("keep");
        await fixture.Manager.StartAsync(id, Sequence(("limit", "25"), ("batch", "5")));
        await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);

        var deleted = await fixture.Manager.DeleteAsync(id, keepEvents: true, Actor);
        var kept = await fixture.Mux.GetDatabase().StreamLengthAsync(new RedisKeys(fixture.ServiceId).Events(id));
        var refused = await ThrowsOverseerAsync(OverseerErrorCode.Conflict, () => fixture.Manager.StartAsync(id, Sequence(("limit", "5"))));
        var again = await fixture.Manager.DeleteAsync(id, keepEvents: false, Actor);

        Assert.Equal(new DeleteResult(id, 25, 0, true), deleted);
        Assert.Equal(25, kept);
        Assert.Contains("25 events kept", refused.Message);
        Assert.Contains("remove them by deleting the worker", refused.Message);
        Assert.Equal(25, again.EventsRemoved);
        Assert.Empty(await LeftoversAsync(id));
        await ThrowsOverseerAsync(OverseerErrorCode.UnknownWorker, () => fixture.Manager.DeleteAsync(id, keepEvents: false, Actor));
    }

    [Fact]
    public async Task Delete_OfAnUnknownId_IsRefused_AndRecordedAsRefused()
    {
        var id = NewId("nobody");

        var refused = await ThrowsOverseerAsync(OverseerErrorCode.UnknownWorker, () => fixture.Manager.DeleteAsync(id, keepEvents: false, Actor));
        var audit = (await fixture.Manager.GetAuditAsync(AuditLogMax)).Where(e => e.WorkerId == id).ToList();

        Assert.Contains($"unknown worker '{id}'", refused.Message);
        Assert.Equal(["requested", "refused: " + refused.Message], audit.Select(e => e.Outcome));
        Assert.All(audit, e => Assert.Equal((Actor, "delete"), (e.Actor, e.Action)));
    }

    private const int AuditLogMax = 10_000;

    [Fact]
    public async Task Rewind_OfARunningWorker_ReindexesExactlyOnce_WithTheSourcesToken_AndRunsOn()
    {
        var id = NewId("rewind");
        await fixture.Manager.StartAsync(id, WorkerSpec.For(ProbeSourceFactory.Kind, ("limit", "1000000"), ("batch", "10")));
        var before = await CommittedAsync(id, 200);

        var rewound = await fixture.Manager.RewindAsync(id, 120, Actor);

        Assert.True(rewound.FromCheckpoint >= before.Checkpoint, $"from {rewound.FromCheckpoint}, seen {before.Checkpoint} before");
        Assert.Equal(rewound.FromCheckpoint - 120, rewound.EventsRemoved);
        Assert.Equal(WorkerStatus.Running, rewound.Worker.Status);
        Assert.Equal(ProbeSourceFactory.TokenAfter(120), ProbeSourceFactory.ResumeTokens[id].Last());
        var after = await CommittedAsync(id, rewound.FromCheckpoint + 100);
        await fixture.Manager.StopAsync(id);
        var stopped = await Worker(id).GetInfoAsync();
        var seqs = await AllSeqsAsync(id);
        Assert.Equal(Enumerable.Range(1, (int)stopped.Checkpoint).Select(i => (long)i), seqs);
        Assert.True(after.Checkpoint > rewound.FromCheckpoint);
        var audit = (await fixture.Manager.GetAuditAsync(AuditLogMax)).Where(e => e.WorkerId == id).ToList();
        Assert.Equal(2, audit.Count);
        Assert.Equal("to 120", audit[1].Detail);
        Assert.StartsWith($"done: from checkpoint {rewound.FromCheckpoint}, {rewound.EventsRemoved} events removed, now running", audit[1].Outcome);
    }

    [Fact]
    public async Task Rewind_RacingAFastWorkersCommits_LeavesExactlyOneCopyOfOneToTheCheckpoint()
    {
        var id = NewId("race");
        await fixture.Manager.StartAsync(id, Sequence(("batch", "50")));
        for (var round = 0; round < 5; round++)
        {
            var info = await CommittedAsync(id, 2_000);
            var rewound = await fixture.Manager.RewindAsync(id, info.Checkpoint / 2, Actor);
            Assert.Equal(WorkerStatus.Running, rewound.Worker.Status);
            Assert.True(rewound.Worker.Checkpoint < rewound.FromCheckpoint, $"round {round}: at {rewound.Worker.Checkpoint} after a rewind from {rewound.FromCheckpoint}");
        }

        await fixture.Manager.StopAsync(id);
        var stopped = await Worker(id).GetInfoAsync();
        await AssertExactlyOnceAsync(fixture.Client, id, stopped.Checkpoint);
        await fixture.Manager.DeleteAsync(id, keepEvents: false, Actor);
    }

    [Fact]
    public async Task Rewind_OfAStoppedWorker_StaysStopped_ResumeContinuesFromTheTarget()
    {
        var id = NewId("rewind-stopped");
        await fixture.Manager.StartAsync(id, Sequence(("limit", "100"), ("batch", "10")));
        await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);

        var rewound = await fixture.Manager.RewindAsync(id, 0, Actor);
        Assert.Equal((WorkerStatus.Completed, 0L, 100L, 100L), (rewound.Worker.Status, rewound.Worker.Checkpoint, rewound.FromCheckpoint, rewound.EventsRemoved));
        Assert.Empty(await AllSeqsAsync(id));

        await fixture.Manager.ResumeAsync(id);
        await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);
        await AssertExactlyOnceAsync(fixture.Client, id, 100);
    }

    [Fact]
    public async Task Rewind_BeyondTheCheckpoint_IsRefusedNamingIt_AndChangesNothing()
    {
        var id = NewId("rewind-beyond");
        await fixture.Manager.StartAsync(id, Sequence(("limit", "40"), ("batch", "10")));
        await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);

        var beyond = await ThrowsOverseerAsync(OverseerErrorCode.InvalidArgument, () => fixture.Manager.RewindAsync(id, 41, Actor));
        var negative = await ThrowsOverseerAsync(OverseerErrorCode.InvalidArgument, () => fixture.Manager.RewindAsync(id, -1, Actor));
        await ThrowsOverseerAsync(OverseerErrorCode.UnknownWorker, () => fixture.Manager.RewindAsync(NewId("nobody"), 0, Actor));
        await ThrowsOverseerAsync(OverseerErrorCode.InvalidArgument, () => fixture.Manager.RewindAsync(id, 0, " "));

        Assert.Contains("invalid seq 41", beyond.Message);
        Assert.Contains("checkpoint 40", beyond.Message);
        Assert.Contains("invalid seq -1", negative.Message);
        var info = await Worker(id).GetInfoAsync();
        Assert.Equal((WorkerStatus.Completed, 40L), (info.Status, info.Checkpoint));
        await AssertExactlyOnceAsync(fixture.Client, id, 40);
    }

    private async Task<List<long>> AllSeqsAsync(string id)
    {
        var all = new List<long>();
        for (long from = 1; ; from = all[^1] + 1)
        {
            var page = await Worker(id).GetEventsAsync(from, 5000);
            all.AddRange(page.Select(e => e.Seq));
            if (page.Length < 5000)
            {
                return all;
            }
        }
    }
}
