using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using Npgsql;
using Overseer.Errors;
using Overseer.Models;
using Overseer.Redis;
using Overseer.Sources.Sequence;
using Overseer.Testing;
using StackExchange.Redis;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>The <c>stream</c> source kind on a cluster with a real Redis and PostgreSQL: a follower commits exactly its
/// upstream's committed events under the same seqs, live and after the upstream ends; a rebuild (<c>rewind --to 0</c>)
/// re-reads Redis and reproduces its first run, or with a changed handler what a fresh follower gives, also behind a raw
/// <c>evm</c> worker whose node has been killed; a crash resumes at the checkpoint; bad upstreams are refused at start;
/// a followed upstream cannot be deleted or rewound; idle followers do not poll.</summary>
public sealed class StreamSourceTests(PostgresCluster fixture) : IClassFixture<PostgresCluster>
{
    private const string Actor = "stream-tests";

    private IWorkerGrain Worker(string id) => fixture.Client.GetGrain<IWorkerGrain>(id);

    private static WorkerSpec Upstream(long limit, int delayMs = 0) =>
        WorkerSpec.For("sequence", ("limit", $"{limit}"), ("batch", "10"), ("delayMs", $"{delayMs}"));

    private static WorkerSpec Follower(string upstream, params (string Key, string Value)[] options) =>
        WorkerSpec.For("stream", [("upstream", upstream), .. options]);

    private static WorkerSpec WithHandler(WorkerSpec spec, string handler, params (string Key, string Value)[] options) => spec with
    {
        Handler = handler,
        HandlerOptions = options.ToImmutableSortedDictionary(o => o.Key, o => o.Value, StringComparer.Ordinal),
    };

    private Task<WorkerInfo> WaitForCheckpointAsync(string id, long checkpoint) =>
        Eventually.UntilAsync(
            () => Worker(id).GetInfoAsync(),
            i => i.Checkpoint == checkpoint,
            Deadline,
            i => $"worker '{id}' to reach checkpoint {checkpoint}; it is {i.Status} at {i.Checkpoint}, restarts {i.Restarts}, last error '{i.LastError}'");

    private async Task<List<WorkerEvent>> EventsAsync(string id)
    {
        var all = new List<WorkerEvent>();
        for (long from = 1; ; from = all[^1].Seq + 1)
        {
            var page = await Worker(id).GetEventsAsync(from, 5000);
            all.AddRange(page);
            if (page.Length < 5000)
            {
                return all;
            }
        }
    }

    private async Task<List<(long Seq, string Payload)>> RowsAsync(string worker)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var select = new NpgsqlCommand($"SELECT seq, payload FROM {RecordingHandler.Table} WHERE worker = $1 ORDER BY seq", connection);
        select.Parameters.Add(new() { Value = worker });
        await using var reader = await select.ExecuteReaderAsync();
        var rows = new List<(long, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        return rows;
    }

    /// <summary>Every seq 1..<paramref name="last"/> once, in order, each with the payload the upstream committed.</summary>
    private static void AssertUpstreamsEvents(string upstream, long last, IReadOnlyList<(long Seq, string Payload)> events, string what)
    {
        Assert.True(events.Count == last, $"{what} holds {events.Count} events, expected exactly {last} (upstream '{upstream}')");
        for (var i = 0; i < events.Count; i++)
        {
            Assert.True(events[i].Seq == i + 1, $"{what} event #{i} has seq {events[i].Seq}, expected {i + 1} (gap or duplicate)");
            Assert.Equal(SequenceSource.Payload(upstream, i + 1), events[i].Payload);
        }
    }

    private async Task DeleteAsync(params string[] ids)
    {
        foreach (var id in ids)
        {
            await fixture.Manager.DeleteAsync(id, keepEvents: false, Actor);
        }
    }

    [Fact]
    public async Task Follower_OfARunningSequence_GetsEveryEventOnce_UnderItsSeqs_LiveAndAfterItEnds()
    {
        var upstream = $"up-live-{Guid.NewGuid():N}";
        var follower = $"follow-live-{Guid.NewGuid():N}";
        await fixture.Manager.StartAsync(upstream, WorkerSpec.For("sequence", ("batch", "10"), ("delayMs", "10")));

        // Unbounded, so the upstream is running for as long as the follower is watched; a re-read only every minute, so
        // keeping up within the deadline takes the commit notifications.
        await fixture.Manager.StartAsync(follower, Follower(upstream, ("maxWaitMs", "60000"), ("batch", "7")));
        var live = await Eventually.UntilAsync(
            async () => (Follower: await Worker(follower).GetInfoAsync(), Upstream: await Worker(upstream).GetInfoAsync()),
            s => s.Follower.Checkpoint >= 50,
            Deadline,
            s => $"follower '{follower}' past checkpoint 50 while its upstream runs; it is {s.Follower.Status} at {s.Follower.Checkpoint} ('{s.Follower.LastError}'), upstream {s.Upstream.Status} at {s.Upstream.Checkpoint}");
        var ended = await fixture.Manager.StopAsync(upstream);
        var caughtUp = await WaitForCheckpointAsync(follower, ended.Checkpoint);
        var density = await fixture.Cluster.Mux.GetDatabase().HashGetAsync(new RedisKeys(fixture.Cluster.ServiceId).Cursor(follower), "dn");

        Assert.Equal(WorkerStatus.Running, live.Upstream.Status);
        Assert.True(ended.Checkpoint >= live.Follower.Checkpoint, $"upstream stopped at {ended.Checkpoint}, behind its follower at {live.Follower.Checkpoint}");
        Assert.Equal(WorkerStatus.Running, caughtUp.Status);
        Assert.Equal(0, caughtUp.Restarts);
        Assert.True(density == 1, $"follower '{follower}' committed with density '{density}', expected its dense upstream's (1)");
        AssertUpstreamsEvents(upstream, ended.Checkpoint, [.. (await EventsAsync(follower)).Select(e => (e.Seq, e.Payload))], $"follower '{follower}'");
        await DeleteAsync(follower, upstream);
    }

    [Fact]
    public async Task Follower_OfASparseUpstream_CommitsItsHoles_AsItsUpstreamDid()
    {
        var upstream = $"up-sparse-{Guid.NewGuid():N}";
        var follower = $"follow-sparse-{Guid.NewGuid():N}";
        await fixture.Manager.StartAsync(upstream, WorkerSpec.For(SparseSourceFactory.Kind, ("limit", "35")));
        await WaitForStatusAsync(fixture.Client, upstream, WorkerStatus.Completed);

        await fixture.Manager.StartAsync(follower, Follower(upstream, ("batch", "4")));
        var caughtUp = await WaitForCheckpointAsync(follower, 350);
        var density = await fixture.Cluster.Mux.GetDatabase().HashGetAsync(new RedisKeys(fixture.Cluster.ServiceId).Cursor(follower), "dn");

        Assert.Equal(0, caughtUp.Restarts);
        Assert.True(density == 0, $"follower '{follower}' committed with density '{density}', expected its sparse upstream's (0)");
        Assert.Equal(
            [.. Enumerable.Range(1, 35).Select(i => (i * SparseSourceFactory.Step, SparseSourceFactory.Payload(i * SparseSourceFactory.Step)))],
            (await EventsAsync(follower)).Select(e => (e.Seq, e.Payload)).ToList());
        await DeleteAsync(follower, upstream);
    }

    [Fact]
    public async Task Rebuild_WithRewindToZero_AfterTheUpstreamEnded_ReproducesTheFirstRun_FromRedisAlone()
    {
        var upstream = $"up-rebuild-{Guid.NewGuid():N}";
        var toStream = $"rebuild-stream-{Guid.NewGuid():N}";
        var toPostgres = $"rebuild-pg-{Guid.NewGuid():N}";
        await fixture.Manager.StartAsync(upstream, Upstream(300));
        await WaitForStatusAsync(fixture.Client, upstream, WorkerStatus.Completed);
        await fixture.Manager.StartAsync(toStream, WithHandler(Follower(upstream), PrefixHandler.Name, ("prefix", "v1:")));
        await fixture.Manager.StartAsync(toPostgres, WithHandler(Follower(upstream), RecordingHandler.Name));
        await WaitForCheckpointAsync(toStream, 300);
        await WaitForCheckpointAsync(toPostgres, 300);
        var firstEvents = (await EventsAsync(toStream)).Select(e => (e.Seq, e.Payload)).ToList();
        var firstRows = await RowsAsync(toPostgres);

        // The upstream's source is gone for good: only its Redis stream is left to rebuild from.
        await fixture.Manager.StopAsync(upstream);
        var rewoundStream = await fixture.Manager.RewindAsync(toStream, 0, Actor);
        var rewoundPostgres = await fixture.Manager.RewindAsync(toPostgres, 0, Actor);
        await WaitForCheckpointAsync(toStream, 300);
        await WaitForCheckpointAsync(toPostgres, 300);

        Assert.Equal(300, rewoundStream.EventsRemoved);
        Assert.Equal(300, rewoundPostgres.FromCheckpoint);
        Assert.Equal(
            [.. Enumerable.Range(1, 300).Select(i => ((long)i, "v1:" + SequenceSource.Payload(upstream, i)))],
            firstEvents);
        AssertUpstreamsEvents(upstream, 300, firstRows, $"the first run's rows of '{toPostgres}'");
        Assert.Equal(firstEvents, (await EventsAsync(toStream)).Select(e => (e.Seq, e.Payload)).ToList());
        Assert.Equal(firstRows, await RowsAsync(toPostgres));
        await DeleteAsync(toStream, toPostgres, upstream);
    }

    [Fact]
    public async Task Rebuild_AfterAHandlerChange_ProducesWhatAFreshFollowerWithTheNewHandlerDoes()
    {
        var upstream = $"up-change-{Guid.NewGuid():N}";
        var rebuilt = $"rebuilt-{Guid.NewGuid():N}";
        var fresh = $"fresh-{Guid.NewGuid():N}";
        await fixture.Manager.StartAsync(upstream, Upstream(200));
        await WaitForStatusAsync(fixture.Client, upstream, WorkerStatus.Completed);
        await fixture.Manager.StartAsync(rebuilt, WithHandler(Follower(upstream), PrefixHandler.Name, ("prefix", "v1:")));
        await WaitForCheckpointAsync(rebuilt, 200);
        await fixture.Manager.StopAsync(upstream);

        // The new handler code (here: its option) replaces the old: stop, rewind to 0, start with the new spec.
        await fixture.Manager.StopAsync(rebuilt);
        await fixture.Manager.RewindAsync(rebuilt, 0, Actor);
        await fixture.Manager.StartAsync(rebuilt, WithHandler(Follower(upstream), PrefixHandler.Name, ("prefix", "v2:")));
        await fixture.Manager.StartAsync(fresh, WithHandler(Follower(upstream), PrefixHandler.Name, ("prefix", "v2:")));
        await WaitForCheckpointAsync(rebuilt, 200);
        await WaitForCheckpointAsync(fresh, 200);

        var expected = Enumerable.Range(1, 200).Select(i => ((long)i, "v2:" + SequenceSource.Payload(upstream, i))).ToList();
        Assert.Equal(expected, (await EventsAsync(rebuilt)).Select(e => (e.Seq, e.Payload)).ToList());
        Assert.Equal(expected, (await EventsAsync(fresh)).Select(e => (e.Seq, e.Payload)).ToList());
        await DeleteAsync(rebuilt, fresh, upstream);
    }

    [Fact]
    public async Task Rebuild_OfAnEvmFollower_AfterAHandlerChange_WithTheNodeKilled_EqualsAFreshFollowerAndTheChain()
    {
        // Arrange: a token on a private anvil, minted to four holders (a block each) who then pay each other;
        // the rows each transaction must give, from its receipt (block, log index) and what was sent.
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        var token = await Erc20Token.DeployAsync(node.Rpc);
        var holders = (await node.Rpc.AccountsAsync()).Select(a => a.ToLowerInvariant()).Skip(1).Take(4).ToArray();
        var sent = new List<(string Tx, string From, string To, BigInteger Value)>();
        foreach (var holder in holders)
        {
            sent.Add((await token.MintAsync(holder, 1_000), Erc20Token.ZeroAddress, holder, 1_000));
        }

        // Then four blocks of four transfers each (log indexes 0-3 within a block).
        await node.Rpc.CallAsync("evm_setAutomine", [false]);
        for (var i = 0; i < 16; i++)
        {
            var (from, to, value) = (holders[i % 4], holders[(i + 1 + (i / 4)) % 4], new BigInteger(10 + i));
            sent.Add((await token.SubmitTransferAsync(from, to, value), from, to, value));
            if (i % 4 == 3)
            {
                await node.Rpc.MineAsync(1);
            }
        }

        await node.Rpc.MineAsync(2); // the last transfers two blocks deep: past the evm source's default confirmations
        var chain = new List<TransferRow>();
        foreach (var (tx, from, to, value) in sent)
        {
            var receipt = await node.Rpc.ReceiptAsync(tx);
            var log = receipt.GetProperty("logs")[0];
            var seq = (EvmRpc.Number(receipt.GetProperty("blockNumber").GetString()!) * 1_000_000) + EvmRpc.Number(log.GetProperty("logIndex").GetString()!);
            chain.Add(new TransferRow(seq, tx.ToLowerInvariant(), from, to, value));
        }

        // The raw evm worker reaches the node only through a proxy that counts its connections.
        await using var proxy = new TcpProxy(node.Port);
        var raw = $"evm-raw-{Guid.NewGuid():N}";
        var rebuilt = $"evm-rebuilt-{Guid.NewGuid():N}";
        var fresh = $"evm-fresh-{Guid.NewGuid():N}";
        await fixture.Manager.StartAsync(raw, WorkerSpec.For(
            "evm", ("rpc", $"http://127.0.0.1:{proxy.Port}"), ("from", "1"), ("address", token.Address), ("topic0", Erc20Token.TransferTopic0), ("intervalMs", "50")));
        await Eventually.UntilAsync(
            () => Worker(raw).GetInfoAsync(),
            i => i.Checkpoint >= chain[^1].Seq,
            Deadline,
            i => $"raw evm worker '{raw}' past the last transfer's seq {chain[^1].Seq}; it is {i.Status} at {i.Checkpoint}, restarts {i.Restarts}, last error '{i.LastError}'");
        await fixture.Manager.StartAsync(rebuilt, WithHandler(Follower(raw), TransferRowsHandler.Name, ("mints", "include")));
        var upstreamEnd = (await fixture.Manager.StopAsync(raw)).Checkpoint;
        await WaitForCheckpointAsync(rebuilt, upstreamEnd);
        var oldRows = await TransferRowsHandler.RowsAsync(fixture.ConnectionString, rebuilt);

        // Act: the node is gone for good; the handler's new code (mints left out) rebuilds the follower from Redis, and a
        // fresh follower with the new code indexes the same stream.
        await node.KillAsync();
        var connections = proxy.Accepted;
        await fixture.Manager.StopAsync(rebuilt);
        var rewound = await fixture.Manager.RewindAsync(rebuilt, 0, Actor);
        await fixture.Manager.StartAsync(rebuilt, WithHandler(Follower(raw), TransferRowsHandler.Name, ("mints", "exclude")));
        await fixture.Manager.StartAsync(fresh, WithHandler(Follower(raw), TransferRowsHandler.Name, ("mints", "exclude")));
        var rebuiltDone = await WaitForCheckpointAsync(rebuilt, upstreamEnd);
        var freshDone = await WaitForCheckpointAsync(fresh, upstreamEnd);

        // Assert: the old code's rows were the chain's; the rebuild holds exactly the new code's rows, each transfer
        // once, as the fresh follower does, and nothing reached the node meanwhile.
        var newRows = chain.Where(r => r.From != Erc20Token.ZeroAddress).ToList();
        Assert.Equal(3, chain.Max(r => r.Seq % 1_000_000)); // the chain as arranged: four logs in a block
        Assert.Equal(chain, oldRows);
        Assert.Equal(upstreamEnd, rewound.FromCheckpoint);
        Assert.Equal(newRows, await TransferRowsHandler.RowsAsync(fixture.ConnectionString, rebuilt));
        Assert.Equal(newRows, await TransferRowsHandler.RowsAsync(fixture.ConnectionString, fresh));
        Assert.Equal((0, 0), (rebuiltDone.Restarts, freshDone.Restarts));
        Assert.False(node.IsRunning, "the anvil node came back");
        Assert.True(proxy.Accepted == connections, $"{proxy.Accepted - connections} connection(s) reached the node's proxy after the node was killed, expected none");
        await DeleteAsync(rebuilt, fresh, raw);
    }

    [Fact]
    public async Task Follower_CrashedOrStoppedMidway_ResumesAtItsCheckpoint_ExactlyOnce()
    {
        var upstream = $"up-crash-{Guid.NewGuid():N}";
        var crashing = $"follow-crash-{Guid.NewGuid():N}";
        var stopped = $"follow-stop-{Guid.NewGuid():N}";
        await fixture.Manager.StartAsync(upstream, Upstream(300, delayMs: 5));

        // The handler throws once at seq 150 (its batch is bisected, and the retried half commits: no restart, no gap);
        // the other is stopped midway.
        await fixture.Manager.StartAsync(crashing, WithHandler(Follower(upstream, ("batch", "10")), RecordingHandler.Name, ("failAtOnce", "150")));
        await fixture.Manager.StartAsync(stopped, Follower(upstream, ("batch", "5")));
        await Eventually.UntilAsync(
            () => Worker(stopped).GetInfoAsync(),
            i => i.Checkpoint >= 40,
            Deadline,
            i => $"follower '{stopped}' past checkpoint 40 before its stop; it is {i.Status} at {i.Checkpoint}");
        var atStop = await fixture.Manager.StopAsync(stopped);
        var resumed = await fixture.Manager.ResumeAsync(stopped);
        var crashed = await WaitForCheckpointAsync(crashing, 300);
        var done = await WaitForCheckpointAsync(stopped, 300);

        Assert.InRange(atStop.Checkpoint, 40, 299);
        Assert.True(resumed.Checkpoint == atStop.Checkpoint, $"resumed at {resumed.Checkpoint}, stopped at {atStop.Checkpoint}");
        Assert.True(crashed.Restarts == 0, $"follower '{crashing}' restarted {crashed.Restarts} times, expected none: a handler failure is not a crash (last error '{crashed.LastError}')");
        Assert.Equal(0, done.Restarts);
        AssertUpstreamsEvents(upstream, 300, await RowsAsync(crashing), $"rows of '{crashing}'");
        AssertUpstreamsEvents(upstream, 300, [.. (await EventsAsync(stopped)).Select(e => (e.Seq, e.Payload))], $"follower '{stopped}'");
        await DeleteAsync(crashing, stopped, upstream);
    }

    [Fact]
    public async Task Start_WithABadUpstream_IsRefused_NamingTheValueAndWhatIsValid()
    {
        var id = $"follow-bad-{Guid.NewGuid():N}";
        var postgresWorker = $"pg-up-{Guid.NewGuid():N}";
        await fixture.Manager.StartAsync(postgresWorker, WithHandler(Upstream(10), RecordingHandler.Name));

        var none = await ThrowsOverseerAsync(OverseerErrorCode.InvalidArgument, () => fixture.Manager.StartAsync(id, WorkerSpec.For("stream")));
        var self = await ThrowsOverseerAsync(OverseerErrorCode.InvalidArgument, () => fixture.Manager.StartAsync(id, Follower(id)));
        var unknown = await ThrowsOverseerAsync(OverseerErrorCode.InvalidArgument, () => fixture.Manager.StartAsync(id, Follower("no-such-worker")));
        var postgres = await ThrowsOverseerAsync(OverseerErrorCode.InvalidArgument, () => fixture.Manager.StartAsync(id, Follower(postgresWorker)));
        var notAnId = await ThrowsOverseerAsync(OverseerErrorCode.InvalidArgument, () => fixture.Manager.StartAsync(id, Follower("a{b}")));

        Assert.Contains("option upstream is required for source stream", none.Message);
        Assert.Contains($"upstream='{id}'", self.Message);
        Assert.Contains("cannot follow itself", self.Message);
        Assert.Contains("upstream='no-such-worker'", unknown.Message);
        Assert.Contains("no worker 'no-such-worker' exists", unknown.Message);
        Assert.Contains($"'{postgresWorker}' writes to PostgreSQL (handler '{RecordingHandler.Name}') and has no Redis stream", postgres.Message);
        Assert.Contains("invalid option upstream='a{b}' for source stream", notAnId.Message);
        await ThrowsOverseerAsync(OverseerErrorCode.UnknownWorker, () => Worker(id).GetInfoAsync());
        Assert.False(await fixture.Cluster.Mux.GetDatabase().KeyExistsAsync(new RedisKeys(fixture.Cluster.ServiceId).Followers(postgresWorker)), "a refused follower was registered");
        await DeleteAsync(postgresWorker);
    }

    [Fact]
    public async Task DeleteOrRewind_OfAFollowedUpstream_IsRefused_NamingTheFollower_UntilItIsDeleted()
    {
        var upstream = $"up-rule-{Guid.NewGuid():N}";
        var follower = $"follow-rule-{Guid.NewGuid():N}";
        var followers = new RedisKeys(fixture.Cluster.ServiceId).Followers(upstream);
        await fixture.Manager.StartAsync(upstream, Upstream(50));
        await fixture.Manager.StartAsync(follower, Follower(upstream));
        await WaitForCheckpointAsync(follower, 50);
        await fixture.Manager.StopAsync(follower);

        var delete = await ThrowsOverseerAsync(OverseerErrorCode.Conflict, () => fixture.Manager.DeleteAsync(upstream, keepEvents: true, Actor));
        var rewind = await ThrowsOverseerAsync(OverseerErrorCode.Conflict, () => fixture.Manager.RewindAsync(upstream, 0, Actor));
        var intact = await Worker(upstream).GetInfoAsync();
        var registered = await fixture.Cluster.Mux.GetDatabase().SetMembersAsync(followers);
        await fixture.Manager.DeleteAsync(follower, keepEvents: false, Actor);
        var afterDelete = await fixture.Cluster.Mux.GetDatabase().SetMembersAsync(followers);
        var rewound = await fixture.Manager.RewindAsync(upstream, 0, Actor);
        var deleted = await fixture.Manager.DeleteAsync(upstream, keepEvents: false, Actor);

        Assert.Contains($"worker '{upstream}' cannot be deleted", delete.Message);
        Assert.Contains($"'{follower}'", delete.Message);
        Assert.Contains("delete the followers first (overseer delete <id>), then this worker", delete.Message);
        Assert.Contains($"worker '{upstream}' cannot be rewound", rewind.Message);
        Assert.Contains($"'{follower}'", rewind.Message);
        Assert.Contains("then rewind this worker and start them again", rewind.Message);
        Assert.Equal(50, intact.Checkpoint);
        Assert.Equal([follower], registered.Select(m => (string)m!));
        Assert.Empty(afterDelete);
        Assert.Equal(50, rewound.EventsRemoved);
        Assert.Equal(0, deleted.Checkpoint);
    }

    [Fact]
    public async Task Follower_GivenAnotherUpstream_IsRefusedMidStream_AndFromZeroNoLongerHoldsTheFirst()
    {
        var first = $"up-first-{Guid.NewGuid():N}";
        var second = $"up-second-{Guid.NewGuid():N}";
        var follower = $"follow-moved-{Guid.NewGuid():N}";
        await fixture.Manager.StartAsync(first, Upstream(10));
        await fixture.Manager.StartAsync(second, Upstream(10));
        await fixture.Manager.StartAsync(follower, Follower(first));
        await WaitForCheckpointAsync(follower, 10);
        await fixture.Manager.StopAsync(follower);

        var midStream = await ThrowsOverseerAsync(OverseerErrorCode.Conflict, () => fixture.Manager.StartAsync(follower, Follower(second)));
        await fixture.Manager.RewindAsync(follower, 0, Actor);
        await fixture.Manager.StartAsync(follower, Follower(second));
        var caughtUp = await WaitForCheckpointAsync(follower, 10);
        var deletedFirst = await fixture.Manager.DeleteAsync(first, keepEvents: false, Actor);
        var refusedSecond = await ThrowsOverseerAsync(OverseerErrorCode.Conflict, () => fixture.Manager.DeleteAsync(second, keepEvents: false, Actor));

        Assert.Contains($"worker '{follower}' has read up to seq 10 of upstream '{first}'", midStream.Message);
        Assert.Contains($"rewind it to 0 first (overseer rewind {follower} --to 0)", midStream.Message);
        AssertUpstreamsEvents(second, 10, [.. (await EventsAsync(follower)).Select(e => (e.Seq, e.Payload))], $"follower '{follower}' after it moved");
        Assert.Equal(0, caughtUp.Restarts);
        Assert.Equal(10, deletedFirst.Checkpoint);
        Assert.Contains($"'{follower}'", refusedSecond.Message);
        await DeleteAsync(follower, second);
    }

    [Fact]
    public async Task IdleFollowers_ReadRedisOncePerMaxWait_NotInAStorm()
    {
        const int followerCount = 10;
        var maxWait = TimeSpan.FromSeconds(2);
        var window = TimeSpan.FromSeconds(4);
        var upstream = $"up-idle-{Guid.NewGuid():N}";
        var ids = Enumerable.Range(0, followerCount).Select(i => $"follow-idle-{i}-{Guid.NewGuid():N}").ToArray();
        await fixture.Manager.StartAsync(upstream, Upstream(20));
        await WaitForStatusAsync(fixture.Client, upstream, WorkerStatus.Completed);
        foreach (var id in ids)
        {
            await fixture.Manager.StartAsync(id, Follower(upstream, ("maxWaitMs", $"{maxWait.TotalMilliseconds}")));
        }

        foreach (var id in ids)
        {
            await WaitForCheckpointAsync(id, 20);
        }

        // Each idle follower reads its upstream's cursor (one HMGET) once per maxWait; a poll loop would read it every
        // few milliseconds. Other HMGETs of the silos (the cursor reads of starts and stops) do not happen while idle.
        var before = await CallsAsync("hmget");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(window); // the measured window itself, not a synchronisation
        var calls = await CallsAsync("hmget") - before;
        var elapsed = clock.Elapsed;

        var bound = followerCount * ((int)Math.Ceiling(elapsed / maxWait) + 1) + 10;
        Assert.True(calls <= bound, $"{followerCount} idle followers made {calls} HMGETs in {elapsed.TotalSeconds:0.0} s; at most {bound} expected (one per follower per {maxWait.TotalSeconds} s)");
        await DeleteAsync([.. ids, upstream]);
    }

    private async Task<long> CallsAsync(string command)
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(fixture.Cluster.Redis.ConnectionString + ",allowAdmin=true");
        var info = (string)(await admin.GetDatabase().ExecuteAsync("INFO", "commandstats"))!;
        var line = info.Split('\n').FirstOrDefault(l => l.StartsWith($"cmdstat_{command}:", StringComparison.Ordinal));
        if (line is null)
        {
            return 0;
        }

        var calls = line.Split(':', 2)[1].Split(',').First(f => f.StartsWith("calls=", StringComparison.Ordinal));
        return long.Parse(calls["calls=".Length..], CultureInfo.InvariantCulture);
    }
}
