using System.Diagnostics;
using Overseer.Models;
using Overseer.Testing;
using Xunit.Abstractions;
using static Overseer.Tests.Grains.EvmChain;

namespace Overseer.Tests.Grains;

/// <summary>Indexing at the head (<c>confirmations=0</c>) on the Redis stream output against a real anvil: reorgs of
/// committed blocks are rolled back to the common ancestor and indexed again from the new chain, with no restart counted;
/// after each, the stream is exactly a fresh index of the final chain.</summary>
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
    public async Task Blocks_ReorgOfAFollowedWorker_HaltsIt_ItsFollowerKeepsWhatItRead()
    {
        // A stream follower has read the entries a rollback would remove, and does not roll back with its upstream yet:
        // the upstream halts rather than leave its follower on the old chain.
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        await node.Rpc.MineAsync(10);
        var upstream = await StartAsync("followed", node, ws: null);
        var follower = NewId("follower");
        await fixture.Manager.StartAsync(follower, WorkerSpec.For("stream", ("upstream", upstream)));
        await WaitAsync(follower, i => i.Checkpoint == 10, "the follower at the upstream's head 10");

        await node.Rpc.ReorgWithTransferAsync(3, wei: 1);
        await node.Rpc.MineAsync(1);

        var halted = await WaitAsync(upstream, i => i.Status == WorkerStatus.Halted, "the followed worker Halted on the reorg");
        output.WriteLine(halted.LastError);
        Assert.Equal((0, 0, 10L, HaltReason.Reorg), (halted.Restarts, halted.Reorgs, halted.Checkpoint, halted.Halt!.Reason));
        Assert.Contains("cannot roll back to 7: stream workers follow it", halted.LastError, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(1, 10).Select(n => (long)n), (await EventsAsync(Client, upstream)).Select(e => e.Seq));
        await fixture.Manager.StopAsync(follower);
        Assert.Equal(Enumerable.Range(1, 10).Select(n => (long)n), (await EventsAsync(Client, follower)).Select(e => e.Seq));
    }

    private static long LastSeq(System.Text.Json.JsonElement[] logs) =>
        (EvmRpc.Number(logs[^1].GetProperty("blockNumber").GetString()!) * 1_000_000) + EvmRpc.Number(logs[^1].GetProperty("logIndex").GetString()!);
}
