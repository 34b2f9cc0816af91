using System.Diagnostics;
using Overseer.Models;
using Overseer.Redis;
using Overseer.Testing;
using Xunit.Abstractions;
using static Overseer.Tests.Grains.EvmChain;

namespace Overseer.Tests.Grains;

/// <summary>Indexing at the head (<c>confirmations=0</c>) on the Redis stream output against a real anvil: reorgs of
/// committed blocks are rolled back to the common ancestor and indexed again from the new chain, with no restart counted;
/// after each, the stream is exactly a fresh index of the final chain; the <c>stream</c> workers that follow it roll back
/// with it, and after each hold exactly its events up to their own checkpoints.</summary>
public sealed class EvmReorgTests(OverseerCluster fixture, ITestOutputHelper output) : IClassFixture<OverseerCluster>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private IClusterClient Client => fixture.Client;

    private static string NewId(string name) => $"reorg-{name}-{Guid.NewGuid():N}"[..24];

    private async Task<string> StartAsync(string name, AnvilNode node, string? ws, params (string, string)[] options)
    {
        var id = NewId(name);
        (string, string)[] all = [("rpc", node.HttpUrl), ("confirmations", "0"), ("from", "1"), ("intervalMs", "50"), .. ws is null ? Array.Empty<(string, string)>() : [("ws", ws), ("stallMs", "5000")], .. options];
        // No restart allowed: a reorg that crashed the run would end the worker Failed at once.
        await fixture.Manager.StartAsync(id, WorkerSpec.For("evm", all) with { MaxRestarts = 0 });
        return id;
    }

    private Task<WorkerInfo> WaitAsync(string id, Func<WorkerInfo, bool> condition, string what) =>
        Eventually.UntilAsync(
            () => Client.GetGrain<IWorkerGrain>(id).GetInfoAsync(),
            condition,
            Deadline,
            i => $"{what}: worker '{id}' is {i.Status}/{i.Handler} at checkpoint {i.Checkpoint}, head {i.Head}, reorgs {i.Reorgs}, restarts {i.Restarts}, last error '{i.LastError}', last reorg '{i.LastReorg}'");

    [Fact]
    public async Task Blocks_ReorgsOfDepth1To20AtTheHead_EachRolledBack_TheStreamIsTheFinalChain()
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        await node.Rpc.MineAsync(25);
        var poll = await StartAsync("poll", node, ws: null);
        var push = await StartAsync("push", node, node.WsUrl);
        var clock = Stopwatch.StartNew();

        for (var depth = 1; depth <= 20; depth++)
        {
            var head = await node.Rpc.BlockNumberAsync();
            await WaitAsync(poll, i => i.Checkpoint == head, $"depth {depth}: the poll worker at the head {head}");
            await WaitAsync(push, i => i.Checkpoint == head, $"depth {depth}: the push worker at the head {head}");
            var replaced = await node.Rpc.HashAsync(head - depth + 1);

            await node.Rpc.ReorgWithTransferAsync(depth, wei: depth);
            var replacement = await node.Rpc.HashAsync(head - depth + 1);
            Assert.True(replaced != replacement, $"depth {depth}: anvil_reorg left block {head - depth + 1} as it was ({replaced}); head {head}, now {await node.Rpc.BlockNumberAsync()}");
            await node.Rpc.MineAsync(1);
            var rollback = Stopwatch.StartNew();

            foreach (var id in new[] { poll, push })
            {
                var after = await WaitAsync(id, i => i.Reorgs == depth && i.Checkpoint == head + 1, $"depth {depth}: rolled back and at the new head {head + 1}");
                Assert.Equal((WorkerStatus.Running, 0), (after.Status, after.Restarts));
                Assert.Contains($"reorg of depth {depth}: block {head} was ", after.LastReorg, StringComparison.Ordinal);
                Assert.Contains($"common ancestor is block {head - depth}", after.LastReorg, StringComparison.Ordinal);
                if (id == poll)
                {
                    output.WriteLine($"depth {depth}: the poll worker (intervalMs 50) rolled back and at the new head {rollback.Elapsed.TotalMilliseconds:0} ms after it was mined");
                }

                await AssertBlocksAsync(Client, node.Rpc, id, 1, head + 1);
            }
        }

        output.WriteLine($"20 reorgs (depths 1..20) rolled back by two workers in {clock.Elapsed.TotalSeconds:0.0} s");
        var audit = await fixture.Manager.GetAuditAsync(200);
        Assert.Equal(20, audit.Count(e => e.WorkerId == poll && e.Action == "reorg" && e.Actor == "overseer"));
        foreach (var id in new[] { poll, push })
        {
            var stopped = await fixture.Manager.StopAsync(id);
            Assert.Equal((0, 20), (stopped.Restarts, stopped.Reorgs));
        }
    }

    [Fact]
    public async Task Blocks_ReorgRightAfterCatchingUpFromABackfill_RolledBack_NothingElseLost()
    {
        // ponder#1319: a 2-block reorg right after the backfill emptied the tables. Here the backfill crosses the node's
        // finalized block (head − 64), so the journal holds the blocks above it and one final anchor.
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        await node.Rpc.MineAsync(200);
        var id = await StartAsync("backfill", node, ws: null, ("batch", "50"));
        await WaitAsync(id, i => i.Checkpoint == 200, "the backfill of blocks 1..200");

        await node.Rpc.ReorgWithTransferAsync(2, wei: 7);
        await node.Rpc.MineAsync(1);

        var after = await WaitAsync(id, i => i.Reorgs == 1 && i.Checkpoint == 201, "the 2-block reorg rolled back and the new head 201 indexed");
        Assert.Equal((WorkerStatus.Running, 0), (after.Status, after.Restarts));
        Assert.Contains("common ancestor is block 198", after.LastReorg, StringComparison.Ordinal);
        await fixture.Manager.StopAsync(id);
        await AssertBlocksAsync(Client, node.Rpc, id, 1, 201);
    }

    [Fact]
    public async Task Logs_ReorgThatDropsLogs_RolledBack_ThenTheNewBranchsLogs_TheStreamIsEthGetLogs()
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        var emitter = await node.Rpc.DeployEmitterAsync();
        for (var tx = 0; tx < 10; tx++)
        {
            await node.Rpc.ReceiptAsync(await node.Rpc.EmitAsync(emitter, $"0x{tx:x2}"));
        }

        var id = await StartAsync("logs", node, ws: null, ("batch", "3"), ("address", emitter));
        for (var round = 1; round <= 3; round++)
        {
            var head = await node.Rpc.BlockNumberAsync();
            var logs = await node.Rpc.LogsAsync(1, head, emitter, EvmRpc.EmitterTopic0);
            var last = LastSeq(logs);
            await WaitAsync(id, i => i.Checkpoint == last, $"round {round}: every log up to seq {last}");

            // The newest 2 + round blocks, each with one log, replaced by empty ones; then logs on the new branch.
            await node.Rpc.ReorgWithTransferAsync(2 + round, wei: round);
            await node.Rpc.MineAsync(1);
            await WaitAsync(id, i => i.Reorgs == round, $"round {round}: the reorg of depth {2 + round} rolled back");
            await node.Rpc.ReceiptAsync(await node.Rpc.EmitAsync(emitter, $"0xb{round:x}"));
            var newHead = await node.Rpc.BlockNumberAsync();
            var newLast = LastSeq(await node.Rpc.LogsAsync(1, newHead, emitter, EvmRpc.EmitterTopic0));
            var info = await WaitAsync(id, i => i.Checkpoint == newLast, $"round {round}: the new branch's log at seq {newLast}");
            Assert.Equal((WorkerStatus.Running, 0), (info.Status, info.Restarts));
            await AssertLogsAsync(Client, node.Rpc, id, 1, newHead, emitter, EvmRpc.EmitterTopic0);
        }

        await fixture.Manager.StopAsync(id);
    }

    [Fact]
    public async Task Blocks_ReorgBelowFinality_HaltsAtOnce_AndKeepsTheOldChain()
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        await node.Rpc.MineAsync(30);
        var id = await StartAsync("final", node, ws: null, ("finality", "3"));
        await WaitAsync(id, i => i.Checkpoint == 30, "at the head 30");
        var committed = await node.Rpc.HashAsync(30);

        // Blocks 26..30 replaced: 27 is final (head 30 − finality 3), so the reorg reaches below finality.
        await node.Rpc.ReorgWithTransferAsync(5, wei: 1);
        await node.Rpc.MineAsync(1);

        var halted = await WaitAsync(id, i => i.Status == WorkerStatus.Halted, "Halted on the reorg below finality");
        output.WriteLine(halted.LastError);
        Assert.Equal((0, 0, 30L, HaltReason.Reorg), (halted.Restarts, halted.Reorgs, halted.Checkpoint, halted.Halt!.Reason));
        Assert.Contains("reorg below the finalized block", halted.LastError, StringComparison.Ordinal);
        Assert.Contains($"block 31 has parentHash {await node.Rpc.HashAsync(30)}, but the committed block 30 has hash {committed}", halted.LastError, StringComparison.Ordinal);
        var events = await EventsAsync(Client, id);
        Assert.Equal(Enumerable.Range(1, 30).Select(n => (long)n), events.Select(e => e.Seq));
        Assert.Contains(committed, events[^1].Payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Followers_ReorgsOfDepth1_5_12_RollBackWithTheirUpstream_EachIsItsUpstreamUpToItsCheckpoint()
    {
        // An evm worker at the head, a stream worker following it and one following that: each reorg is rolled back by the
        // upstream (not halted), then by its follower, then by the follower's follower, each in its own fenced script.
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        await node.Rpc.MineAsync(20);
        var upstream = await StartAsync("followed", node, ws: null);
        var follower = await FollowAsync("follower", upstream);
        var second = await FollowAsync("second", follower);
        var reorgs = 0;

        foreach (var depth in new[] { 1, 5, 12 })
        {
            var head = await node.Rpc.BlockNumberAsync();
            foreach (var id in new[] { upstream, follower, second })
            {
                await WaitAsync(id, i => i.Checkpoint == head, $"depth {depth}: at the head {head}");
            }

            await node.Rpc.ReorgWithTransferAsync(depth, wei: depth);
            await node.Rpc.MineAsync(1);
            reorgs++;

            foreach (var id in new[] { upstream, follower, second })
            {
                var after = await WaitAsync(id, i => i.Reorgs == reorgs && i.Checkpoint == head + 1, $"depth {depth}: rolled back ({reorgs} reorgs) and at the new head {head + 1}");
                Assert.Equal((WorkerStatus.Running, 0, (WorkerHalt?)null), (after.Status, after.Restarts, after.Halt));
            }

            var ancestor = head - depth;
            Assert.Contains($"reorg of depth {depth}: block {head} was ", (await InfoAsync(upstream)).LastReorg, StringComparison.Ordinal);
            Assert.Equal($"upstream '{upstream}' rolled back to seq {ancestor} (its rollback {reorgs}); worker '{follower}' had committed up to seq {head}", (await InfoAsync(follower)).LastReorg);
            Assert.Equal($"upstream '{follower}' rolled back to seq {ancestor} (its rollback {reorgs}); worker '{second}' had committed up to seq {head}", (await InfoAsync(second)).LastReorg);
            await AssertBlocksAsync(Client, node.Rpc, upstream, 1, head + 1);
            await AssertFollowsAsync(upstream, follower, $"depth {depth}");
            await AssertFollowsAsync(follower, second, $"depth {depth}");
        }

        var audit = await fixture.Manager.GetAuditAsync(200);
        Assert.Equal(3, audit.Count(e => e.WorkerId == follower && e.Action == "reorg" && e.Actor == Operations.AuditLog.SourceActor));

        // The count each follower caught up with is in its token, committed with its checkpoint: stopped and resumed, they
        // do not roll back again.
        var db = fixture.Mux.GetDatabase();
        var keys = new RedisKeys(fixture.ServiceId);
        foreach (var id in new[] { follower, second })
        {
            var stopped = await fixture.Manager.StopAsync(id);
            Assert.Equal((0, 3), (stopped.Restarts, stopped.Reorgs));
            Assert.Equal("rb=3", (string?)await db.HashGetAsync(keys.Cursor(id), "tok"));
            await fixture.Manager.ResumeAsync(id);
        }

        var last = await node.Rpc.BlockNumberAsync() + 1;
        await node.Rpc.MineAsync(1);
        foreach (var id in new[] { upstream, follower, second })
        {
            await WaitAsync(id, i => i.Checkpoint == last, $"after the resume: at the new head {last}");
        }

        await AssertFollowsAsync(upstream, follower, "after the resume");
        await AssertFollowsAsync(follower, second, "after the resume");
        foreach (var id in new[] { second, follower, upstream })
        {
            var stopped = await fixture.Manager.StopAsync(id);
            Assert.Equal((0, 3), (stopped.Restarts, stopped.Reorgs));
        }
    }

    [Fact]
    public async Task Follower_CommitsOldBranchEntriesAfterItsUpstreamRolledBack_RollsThemBackAtItsNextFetch()
    {
        // The race: the follower has read entries of the old branch, and commits them only after the upstream rolled them
        // back. Its next fetch finds the rollback it has not caught up with and takes them back.
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        await node.Rpc.MineAsync(10);
        var upstream = await StartAsync("raced", node, ws: null);
        var follower = await FollowAsync("racer", upstream, GateHandler.Name);
        await WaitAsync(follower, i => i.Checkpoint == 10, "the follower at the head 10");

        GateHandler.Hold(follower);
        try
        {
            await node.Rpc.MineAsync(2);
            await WaitAsync(upstream, i => i.Checkpoint == 12, "the upstream at the head 12");
            var held = await GateHandler.HeldAsync(follower).WaitAsync(Deadline);
            Assert.Equal(11, held[0]);

            // Blocks 10..12 replaced while the follower holds old 11 (and maybe 12), read but not committed.
            await node.Rpc.ReorgWithTransferAsync(3, wei: 3);
            await node.Rpc.MineAsync(1);
            await WaitAsync(upstream, i => i.Reorgs == 1 && i.Checkpoint == 13, "the upstream rolled back to 9 and at the new head 13");
            GateHandler.Release(follower);

            var after = await WaitAsync(follower, i => i.Reorgs == 1 && i.Checkpoint == 13, "the follower rolled back what it committed of the old branch, and at the new head 13");
            Assert.Equal((WorkerStatus.Running, 0), (after.Status, after.Restarts));
            Assert.Equal($"upstream '{upstream}' rolled back to seq 9 (its rollback 1); worker '{follower}' had committed up to seq {held[^1]}", after.LastReorg);
            await AssertBlocksAsync(Client, node.Rpc, upstream, 1, 13);
            await AssertFollowsAsync(upstream, follower, "after the race");
        }
        finally
        {
            GateHandler.Release(follower);
        }

        await fixture.Manager.StopAsync(follower);
        await fixture.Manager.StopAsync(upstream);
    }

    [Fact]
    public async Task Follower_BehindTheFork_IsNotRolledBack_AndEndsIdentical()
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        await node.Rpc.MineAsync(10);
        var upstream = await StartAsync("ahead", node, ws: null);
        var follower = await FollowAsync("behind", upstream);
        await WaitAsync(follower, i => i.Checkpoint == 10, "the follower at 10");
        Assert.Equal(10, (await fixture.Manager.StopAsync(follower)).Checkpoint);

        // Blocks 18..20 replaced: the rollback to 17 takes back nothing the follower committed.
        await node.Rpc.MineAsync(10);
        await WaitAsync(upstream, i => i.Checkpoint == 20, "the upstream at the head 20");
        await node.Rpc.ReorgWithTransferAsync(3, wei: 1);
        await node.Rpc.MineAsync(1);
        await WaitAsync(upstream, i => i.Reorgs == 1 && i.Checkpoint == 21, "the upstream rolled back to 17 and at the new head 21");
        await fixture.Manager.ResumeAsync(follower);

        var after = await WaitAsync(follower, i => i.Checkpoint == 21, "the resumed follower at the upstream's head 21");
        Assert.Equal((WorkerStatus.Running, 0, 0, (string?)null), (after.Status, after.Restarts, after.Reorgs, after.LastReorg));
        await AssertBlocksAsync(Client, node.Rpc, upstream, 1, 21);
        await AssertFollowsAsync(upstream, follower, "the follower that was behind the fork");

        // It took the count with its next batch: resumed past the rollback's target, it does not roll back for it.
        Assert.Equal("rb=1", (string?)await fixture.Mux.GetDatabase().HashGetAsync(new RedisKeys(fixture.ServiceId).Cursor(follower), "tok"));
        await fixture.Manager.StopAsync(follower);
        await fixture.Manager.ResumeAsync(follower);
        await node.Rpc.MineAsync(1);
        after = await WaitAsync(follower, i => i.Checkpoint == 22, "the follower, resumed, at the new head 22");
        Assert.Equal((0, 0), (after.Restarts, after.Reorgs));
        await AssertFollowsAsync(upstream, follower, "the follower resumed after the upstream's rollback");
        await fixture.Manager.StopAsync(follower);
        await fixture.Manager.StopAsync(upstream);
    }

    [Fact]
    public async Task Follower_MissedARollbackTheLogNoLongerKeeps_Halts_ThenARewindTo0RebuildsIt()
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        await node.Rpc.MineAsync(10);
        var upstream = await StartAsync("forgot", node, ws: null);
        var follower = await FollowAsync("missed", upstream);
        await WaitAsync(follower, i => i.Checkpoint == 10, "the follower at 10");
        await fixture.Manager.StopAsync(follower);

        await node.Rpc.ReorgWithTransferAsync(2, wei: 1);
        await node.Rpc.MineAsync(1);
        await WaitAsync(upstream, i => i.Reorgs == 1 && i.Checkpoint == 11, "the first reorg rolled back (to 8), at the head 11");
        await node.Rpc.ReorgWithTransferAsync(2, wei: 2);
        await node.Rpc.MineAsync(1);
        await WaitAsync(upstream, i => i.Reorgs == 2 && i.Checkpoint == 12, "the second reorg rolled back (to 9), at the head 12");

        // Each rollback counted beside the cursor and logged with its target; the log keeps the last 256, so rollback 1 is
        // what a follower stopped through 256 more would find gone.
        var db = fixture.Mux.GetDatabase();
        var keys = new RedisKeys(fixture.ServiceId);
        Assert.Equal(2, (long)await db.HashGetAsync(keys.Cursor(upstream), "rb"));
        Assert.Equal([("1", "8"), ("2", "9")], (await db.HashGetAllAsync(keys.Rollbacks(upstream))).Select(e => ((string)e.Name!, (string)e.Value!)).Order());
        Assert.True(await db.HashDeleteAsync(keys.Rollbacks(upstream), "1"));
        await fixture.Manager.ResumeAsync(follower);

        var halted = await WaitAsync(follower, i => i.Status == WorkerStatus.Halted, "the follower Halted: it cannot know how far rollback 1 went");
        output.WriteLine(halted.LastError);
        Assert.Equal((0, 0, 10L, HaltReason.Reorg), (halted.Restarts, halted.Reorgs, halted.Checkpoint, halted.Halt!.Reason));
        Assert.Contains($"stream worker '{follower}' cannot tell how far to roll back: its upstream '{upstream}' rolled back 2 times since the 0 rollbacks", halted.LastError, StringComparison.Ordinal);
        Assert.Contains("its rollback log keeps only the last 256", halted.LastError, StringComparison.Ordinal);
        Assert.Contains($"overseer rewind {follower} --to 0", halted.LastError, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(1, 10).Select(n => (long)n), (await EventsAsync(Client, follower)).Select(e => e.Seq));

        // What the error says to do: rewind to 0 (recorded as a rollback of the follower's own, for any follower of it).
        await fixture.Manager.RewindAsync(follower, 0, "reorg-tests");
        if ((await InfoAsync(follower)).Status != WorkerStatus.Running)
        {
            await fixture.Manager.ResumeAsync(follower);
        }

        await WaitAsync(follower, i => i.Status == WorkerStatus.Running && i.Checkpoint == 12, "the rewound follower at the upstream's head 12");
        await AssertBlocksAsync(Client, node.Rpc, upstream, 1, 12);
        await AssertFollowsAsync(upstream, follower, "the rebuilt follower");
        Assert.Equal(1, (long)await db.HashGetAsync(keys.Cursor(follower), "rb"));

        // The log goes with its worker.
        await fixture.Manager.StopAsync(follower);
        await fixture.Manager.DeleteAsync(follower, keepEvents: false, "reorg-tests");
        await fixture.Manager.StopAsync(upstream);
        await fixture.Manager.DeleteAsync(upstream, keepEvents: false, "reorg-tests");
        foreach (var id in new[] { follower, upstream })
        {
            Assert.False(await db.KeyExistsAsync(keys.Rollbacks(id)), $"the rollback log of the deleted worker '{id}' is still in Redis");
            Assert.False(await db.KeyExistsAsync(keys.Cursor(id)), $"the cursor of the deleted worker '{id}' is still in Redis");
        }
    }

    private async Task<string> FollowAsync(string name, string upstream, string? handler = null)
    {
        var id = NewId(name);
        await fixture.Manager.StartAsync(id, WorkerSpec.For("stream", ("upstream", upstream)) with { MaxRestarts = 0, Handler = handler });
        return id;
    }

    private Task<WorkerInfo> InfoAsync(string id) => Client.GetGrain<IWorkerGrain>(id).GetInfoAsync();

    /// <summary>A follower's committed events are its upstream's up to the follower's checkpoint: seq for seq, payload
    /// for payload, each once.</summary>
    private async Task AssertFollowsAsync(string upstream, string follower, string what)
    {
        var checkpoint = (await InfoAsync(follower)).Checkpoint;
        var expected = (await EventsAsync(Client, upstream)).Where(e => e.Seq <= checkpoint).ToList();
        var actual = await EventsAsync(Client, follower);
        Assert.True(actual.Select(e => e.Seq).Distinct().Count() == actual.Count, $"{what}: follower '{follower}' holds a seq twice: {string.Join(",", actual.Select(e => e.Seq))}");
        var differs = Enumerable.Range(0, Math.Min(expected.Count, actual.Count)).FirstOrDefault(i => expected[i] != actual[i], -1);
        Assert.True(
            expected.Count == actual.Count && differs < 0,
            $"{what}: follower '{follower}' (checkpoint {checkpoint}) holds {actual.Count} events, its upstream '{upstream}' {expected.Count} up to that checkpoint; "
            + (differs < 0 ? "" : $"first difference at #{differs}: seq {actual[differs].Seq} '{actual[differs].Payload}', upstream seq {expected[differs].Seq} '{expected[differs].Payload}'"));
    }

    private static long LastSeq(System.Text.Json.JsonElement[] logs) =>
        (EvmRpc.Number(logs[^1].GetProperty("blockNumber").GetString()!) * 1_000_000) + EvmRpc.Number(logs[^1].GetProperty("logIndex").GetString()!);
}
