using System.Diagnostics;
using Overseer.Models;
using Overseer.Testing;
using Xunit.Abstractions;
using static Overseer.Tests.Grains.EvmChain;

namespace Overseer.Tests.Grains;

/// <summary>The <c>evm</c> source kind against a real anvil node (one per test, on a free port): blocks and logs exactly
/// once, reorgs, the WebSocket cut while HTTP answers, the node restarted.</summary>
public sealed class EvmSourceTests(OverseerCluster fixture, ITestOutputHelper output) : IClassFixture<OverseerCluster>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private IClusterClient Client => fixture.Client;

    private static string NewId(string name) => $"evm-{name}-{Guid.NewGuid():N}"[..24];

    private async Task<string> StartAsync(string name, AnvilNode node, string? ws, int? maxRestarts, params (string, string)[] options)
    {
        var id = NewId(name);
        (string, string)[] all = [("rpc", node.HttpUrl), .. ws is null ? Array.Empty<(string, string)>() : [("ws", ws)], .. options];
        var spec = WorkerSpec.For("evm", all) with { MaxRestarts = maxRestarts };
        await fixture.Manager.StartAsync(id, spec);
        return id;
    }

    private Task<WorkerInfo> WaitAsync(string id, Func<WorkerInfo, bool> condition, string what, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(
            () => Client.GetGrain<IWorkerGrain>(id).GetInfoAsync(),
            condition,
            timeout ?? Deadline,
            i => $"{what}: worker '{id}' is {i.Status}/{i.Handler} at checkpoint {i.Checkpoint}, head {i.Head}, failovers {i.Failovers}, restarts {i.Restarts}, last error '{i.LastError}'");

    [Fact]
    public async Task Blocks_TwoHundredBlocks_PushAndPoll_EachCommittedOnceWithTheNodesHash()
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        await node.Rpc.MineAsync(202);
        var push = await StartAsync("push", node, node.WsUrl, null, ("from", "1"), ("batch", "50"), ("stallMs", "5000"));
        var poll = await StartAsync("poll", node, null, null, ("from", "1"), ("batch", "50"), ("intervalMs", "100"));

        var clock = Stopwatch.StartNew();
        var pushed = await WaitAsync(push, i => i.Checkpoint == 200, "blocks 1..200 (head 202, confirmations 2) indexed through push");
        var polled = await WaitAsync(poll, i => i.Checkpoint == 200, "blocks 1..200 indexed by polling");
        output.WriteLine($"200 blocks by two workers in {clock.Elapsed.TotalSeconds:0.00} s");

        Assert.Equal(("push", WorkerStatus.Running, 202L), (pushed.Handler, pushed.Status, pushed.Head ?? 0));
        Assert.Equal(("poll", WorkerStatus.Running), (polled.Handler, polled.Status));
        await fixture.Manager.StopAsync(push);
        await fixture.Manager.StopAsync(poll);
        await AssertBlocksAsync(Client, node.Rpc, push, 1, 200);
        await AssertBlocksAsync(Client, node.Rpc, poll, 1, 200);
    }

    [Fact]
    public async Task Blocks_WithoutFrom_StartAtHeadMinusConfirmations()
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        await node.Rpc.MineAsync(50);
        var id = await StartAsync("nofrom", node, null, null, ("intervalMs", "100"), ("confirmations", "3"));

        await WaitAsync(id, i => i.Checkpoint == 47, "the first block, head 50 − confirmations 3");
        await node.Rpc.MineAsync(5);
        await WaitAsync(id, i => i.Checkpoint == 52, "blocks up to 55 − 3 after five more");

        await fixture.Manager.StopAsync(id);
        await AssertBlocksAsync(Client, node.Rpc, id, 47, 52);
    }

    [Fact]
    public async Task Reorg_OneBlockWithTwoConfirmations_ChangesNothing()
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        await node.Rpc.MineAsync(20);
        var id = await StartAsync("reorg1", node, node.WsUrl, 0, ("from", "1"), ("stallMs", "5000"));
        await WaitAsync(id, i => i.Checkpoint == 18, "caught up to head 20 − 2");

        for (var round = 0; round < 5; round++)
        {
            var replaced = await node.Rpc.HashAsync(20 + round);
            await node.Rpc.ReorgAsync(1);
            Assert.NotEqual(replaced, await node.Rpc.HashAsync(20 + round));
            await node.Rpc.MineAsync(1);
            await WaitAsync(id, i => i.Checkpoint == 19 + round, $"round {round}: the next block after a 1-block reorg");
        }

        var info = await WaitAsync(id, i => i.Status == WorkerStatus.Running, "still running");
        Assert.Equal(0, info.Restarts);
        await fixture.Manager.StopAsync(id);
        await AssertBlocksAsync(Client, node.Rpc, id, 1, 23);
    }

    [Fact]
    public async Task Reorg_BelowFinality_HaltsAtOnceNamingTheBlockAndBothHashes()
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        await node.Rpc.MineAsync(30);
        // Default supervision: a crash would restart it (and find the same mismatch) until the restart intensity ran out.
        var id = await StartAsync("reorg5", node, node.WsUrl, null, ("from", "1"), ("stallMs", "5000"), ("finality", "3"));
        await WaitAsync(id, i => i.Checkpoint == 28, "caught up to head 30 − 2");
        var committed = await node.Rpc.HashAsync(28);

        await node.Rpc.ReorgAsync(5);
        var replacement = await node.Rpc.HashAsync(28);
        Assert.NotEqual(committed, replacement);
        await node.Rpc.MineAsync(1);

        var halted = await WaitAsync(id, i => i.Status == WorkerStatus.Halted, "Halted on the reorg below finality");
        output.WriteLine(halted.LastError);
        Assert.Equal((0, 28L), (halted.Restarts, halted.Checkpoint));
        Assert.Equal((HaltReason.Reorg, 28L), (halted.Halt!.Reason, halted.Halt.Seq));
        Assert.Equal(halted.LastError, halted.Halt.Error);
        Assert.Contains("reorg below the finalized block", halted.LastError, StringComparison.Ordinal);
        Assert.Contains("block 29", halted.LastError, StringComparison.Ordinal);
        Assert.Contains(replacement, halted.LastError, StringComparison.Ordinal);
        Assert.Contains(committed, halted.LastError, StringComparison.Ordinal);

        // The sink holds the old chain up to 28, consistent with itself, and nothing of the new fork.
        var events = await EventsAsync(Client, id);
        Assert.Equal(Enumerable.Range(1, 28).Select(n => (long)n), events.Select(e => e.Seq));
        Assert.Contains(committed, events[^1].Payload, StringComparison.Ordinal);

        // A resume runs it again: the same mismatch halts it again, still with no restart counted.
        await fixture.Manager.ResumeAsync(id);
        var again = await WaitAsync(id, i => i.Status == WorkerStatus.Halted && i.Halt!.At > halted.Halt.At, "Halted again after a resume");
        Assert.Equal((0, 28L, HaltReason.Reorg), (again.Restarts, again.Checkpoint, again.Halt!.Reason));
    }

    [Fact]
    public async Task Rewind_PastADeepReorg_ThenResume_IndexesTheNewChainWithTheNodesHashes()
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        await node.Rpc.MineAsync(30);
        var id = await StartAsync("rewind", node, null, 0, ("from", "1"), ("intervalMs", "100"), ("finality", "3"));
        await WaitAsync(id, i => i.Checkpoint == 28, "caught up to head 30 − 2");
        var old = await node.Rpc.HashAsync(28);
        await node.Rpc.ReorgAsync(5);
        await node.Rpc.MineAsync(1);
        await WaitAsync(id, i => i.Status == WorkerStatus.Halted, "Halted on the reorg below finality");

        // The operator's way out: rewind to before the fork (the source's token for 20 is block 20's hash), resume.
        var rewound = await fixture.Manager.RewindAsync(id, 20, "tester@ci");
        Assert.Equal((28L, 8L, 20L), (rewound.FromCheckpoint, rewound.EventsRemoved, rewound.Worker.Checkpoint));
        await fixture.Manager.ResumeAsync(id);
        await WaitAsync(id, i => i.Checkpoint == 29 && i.Status == WorkerStatus.Running, "re-indexed the new chain up to head 31 − 2");

        await fixture.Manager.StopAsync(id);
        Assert.NotEqual(old, await node.Rpc.HashAsync(28));
        await AssertBlocksAsync(Client, node.Rpc, id, 1, 29);
    }

    [Fact]
    public async Task Reorg_LogsModeBelowFinality_HaltsAndKeepsTheOldLogsOnly()
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        var emitter = await node.Rpc.DeployEmitterAsync();
        for (var tx = 0; tx < 10; tx++)
        {
            await node.Rpc.ReceiptAsync(await node.Rpc.EmitAsync(emitter, $"0x{tx:x2}"));
        }

        await node.Rpc.MineAsync(2);
        var head = await node.Rpc.BlockNumberAsync();
        var before = await node.Rpc.LogsAsync(1, head - 2, emitter, EvmRpc.EmitterTopic0);
        var lastSeq = (EvmRpc.Number(before[^1].GetProperty("blockNumber").GetString()!) * 1_000_000) + EvmRpc.Number(before[^1].GetProperty("logIndex").GetString()!);
        var id = await StartAsync("logreorg", node, null, 0, ("from", "1"), ("batch", "3"), ("address", emitter), ("intervalMs", "100"), ("finality", "2"));
        await WaitAsync(id, i => i.Checkpoint == lastSeq, $"all {before.Length} logs (last seq {lastSeq})");

        await node.Rpc.ReorgAsync(6);
        await node.Rpc.MineAsync(1);

        var halted = await WaitAsync(id, i => i.Status == WorkerStatus.Halted, "Halted on the reorg below finality in logs mode");
        output.WriteLine(halted.LastError);
        Assert.Equal((0, lastSeq, HaltReason.Reorg), (halted.Restarts, halted.Checkpoint, halted.Halt!.Reason));
        Assert.Contains("reorg below the finalized block", halted.LastError, StringComparison.Ordinal);
        Assert.Contains($": block {head - 1} has parentHash {await node.Rpc.HashAsync(head - 2)}", halted.LastError, StringComparison.Ordinal);
        var events = await EventsAsync(Client, id);
        Assert.Equal(before.Select(l => l.GetProperty("transactionHash").GetString()), events.Select(e => System.Text.Json.JsonDocument.Parse(e.Payload).RootElement.GetProperty("transactionHash").GetString()));
    }

    [Fact]
    public async Task Push_WebSocketCutWhileHttpAnswers_FailsOverToPollingAndBack()
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: 1);
        await node.Rpc.MineAsync(5);
        await using var proxy = new TcpProxy(node.Port);
        var id = await StartAsync("wscut", node, $"ws://127.0.0.1:{proxy.Port}", null, ("from", "1"), ("stallMs", "3000"), ("intervalMs", "200"));
        var before = await WaitAsync(id, i => i is { Handler: "push", Status: WorkerStatus.Running } && i.Checkpoint >= 5, "indexing on push");

        var cut = Stopwatch.StartNew();
        proxy.Cut();
        var polling = await WaitAsync(id, i => i.Handler == "poll" && i.Failovers == before.Failovers + 1, "failed over to polling after the WebSocket was cut");
        var failover = cut.Elapsed;
        await WaitAsync(id, i => i.Checkpoint >= polling.Checkpoint + 3, "three more blocks indexed by polling while the WebSocket is cut");

        var restored = Stopwatch.StartNew();
        proxy.Restore();
        var back = await WaitAsync(id, i => i.Handler == "push", "switched back to push once the WebSocket answers again");
        var switchBack = restored.Elapsed;
        await WaitAsync(id, i => i.Checkpoint >= back.Checkpoint + 3, "three more blocks on push after switching back");
        output.WriteLine($"failover to poll {failover.TotalMilliseconds:0} ms after the cut; switch-back {switchBack.TotalMilliseconds:0} ms after the restore");

        var stopped = await fixture.Manager.StopAsync(id);
        Assert.Equal(0, stopped.Restarts);
        await AssertBlocksAsync(Client, node.Rpc, id, 1, stopped.Checkpoint);
    }

    [Fact]
    public async Task Push_WebSocketGoesSilent_FailsOverAfterStallMsAndBack()
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: 1);
        await node.Rpc.MineAsync(5);
        await using var proxy = new TcpProxy(node.Port);
        var id = await StartAsync("wsstall", node, $"ws://127.0.0.1:{proxy.Port}", null, ("from", "1"), ("stallMs", "2500"), ("intervalMs", "200"));
        await WaitAsync(id, i => i is { Handler: "push", Status: WorkerStatus.Running } && i.Checkpoint >= 5, "indexing on push");

        var frozen = Stopwatch.StartNew();
        proxy.Freeze();
        var polling = await WaitAsync(id, i => i.Handler == "poll" && i.Failovers == 1, "failed over to polling after the WebSocket went silent");
        var failover = frozen.Elapsed;
        await WaitAsync(id, i => i.Checkpoint >= polling.Checkpoint + 3, "three more blocks indexed by polling while the WebSocket is silent");
        Assert.True(failover >= TimeSpan.FromSeconds(2.5) - TimeSpan.FromSeconds(1.1), $"failed over {failover.TotalMilliseconds:0} ms after the freeze: a silence is a stall only after stallMs 2500 (less the up to 1 s since the last head)");

        proxy.Restore();
        await WaitAsync(id, i => i.Handler == "push", "switched back to push once the WebSocket answers again");
        output.WriteLine($"silent WebSocket: failover to poll {failover.TotalMilliseconds:0} ms after the freeze (stallMs 2500, a head a second)");

        var stopped = await fixture.Manager.StopAsync(id);
        Assert.Equal(0, stopped.Restarts);
        await AssertBlocksAsync(Client, node.Rpc, id, 1, stopped.Checkpoint);
    }

    [Fact]
    public async Task Node_RestartedWithItsState_WorkersRideItOut()
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: 1);
        await node.Rpc.MineAsync(5);
        var push = await StartAsync("rs-push", node, node.WsUrl, null, ("from", "1"), ("stallMs", "3000"), ("intervalMs", "200"));
        var poll = await StartAsync("rs-poll", node, null, null, ("from", "1"), ("intervalMs", "200"));
        await WaitAsync(push, i => i.Checkpoint >= 5, "indexing on push before the restart");
        await WaitAsync(poll, i => i.Checkpoint >= 5, "indexing by polling before the restart");

        await node.StopAsync();
        var down = await node.Rpc.CallAsync("eth_blockNumber", []).ContinueWith(t => t.IsFaulted, TaskScheduler.Default);
        Assert.True(down, "the node still answered after SIGTERM");
        var before = await Task.WhenAll(Client.GetGrain<IWorkerGrain>(push).GetInfoAsync(), Client.GetGrain<IWorkerGrain>(poll).GetInfoAsync());
        await node.StartAsync();
        var head = await node.Rpc.BlockNumberAsync();

        await WaitAsync(push, i => i.Checkpoint >= head && i.Status == WorkerStatus.Running, $"push worker past the head {head} the restarted node came back with");
        await WaitAsync(poll, i => i.Checkpoint >= head && i.Status == WorkerStatus.Running, $"poll worker past the head {head} the restarted node came back with");
        foreach (var (id, was) in new[] { (push, before[0]), (poll, before[1]) })
        {
            var stopped = await fixture.Manager.StopAsync(id);
            Assert.True(stopped.Restarts == was.Restarts, $"worker '{id}' restarted across the node restart ({was.Restarts} → {stopped.Restarts}): an outage must be ridden out");
            await AssertBlocksAsync(Client, node.Rpc, id, 1, stopped.Checkpoint);
        }
    }

    [Fact]
    public async Task Node_BehindTheHeadAnnounced_IsWaitedFor_NotAnOutageNorAReorg()
    {
        // A load-balanced endpoint: new heads come from a node ahead (its WebSocket), blocks from one that is behind (its
        // HTTP), as when one backend is syncing (ponder#2221). The worker must wait for the blocks, not crash after
        // maxOutageMs, and not take the missing blocks for a reorg.
        await using var behind = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        await using var ahead = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        await behind.Rpc.MineAsync(10);
        await ahead.Rpc.MineAsync(20);
        var id = await StartAsync("behind", behind, ahead.WsUrl, 0, ("from", "1"), ("batch", "50"), ("stallMs", "5000"), ("intervalMs", "100"), ("maxOutageMs", "1000"));
        await WaitAsync(id, i => i.Checkpoint == 8, "blocks 1..8 (the HTTP node's head 10 − 2)");

        // Head 21 announced; blocks 11..19 are not on the HTTP node yet.
        var announced = Stopwatch.StartNew();
        await ahead.Rpc.MineAsync(1);
        var waiting = await WaitAsync(
            id,
            i => i.Head == 10 && announced.Elapsed > TimeSpan.FromSeconds(3),
            "the node's own head 10 shown, for three times maxOutageMs after head 21 was announced (an outage would have crashed the run by then)");
        Assert.Equal((WorkerStatus.Running, 0, 8L, null), (waiting.Status, waiting.Restarts, waiting.Checkpoint, waiting.Halt));

        // The node catches up (its own chain: only its blocks are ever read); the next head announced lets the worker on.
        await behind.Rpc.MineAsync(13);
        await ahead.Rpc.MineAsync(1);
        // At least 20 (head 22 announced − 2); 21 when a loaded machine stalls the push past stallMs and the poll reads the
        // HTTP node's own head 23.
        await WaitAsync(id, i => i.Checkpoint >= 20, "blocks up to 20 (head 22 announced − 2) once the node has them");

        var stopped = await fixture.Manager.StopAsync(id);
        Assert.Equal(0, stopped.Restarts);
        await AssertBlocksAsync(Client, behind.Rpc, id, 1, stopped.Checkpoint);
    }

    [Fact]
    public async Task Logs_AddressAndTopic0_EqualEthGetLogsOverTheSameRange()
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        var emitter = await node.Rpc.DeployEmitterAsync();
        var other = await node.Rpc.DeployEmitterAsync();
        await node.Rpc.CallAsync("evm_setAutomine", [false]);
        for (var block = 0; block < 40; block++)
        {
            // Blocks with 0 to 3 logs of the emitter (and one of another contract with the same topic0 in odd blocks).
            for (var tx = 0; tx < block % 4; tx++)
            {
                await node.Rpc.EmitAsync(emitter, $"0x{block:x4}{tx:x2}");
            }

            if (block % 2 == 1)
            {
                await node.Rpc.EmitAsync(other, "0xff");
            }

            await node.Rpc.MineAsync(1 + (block % 3 == 0 ? 2 : 0));
        }

        var head = await node.Rpc.BlockNumberAsync();
        var logs = await node.Rpc.LogsAsync(1, head - 2, emitter, EvmRpc.EmitterTopic0);
        var last = logs[^1];
        var lastSeq = (EvmRpc.Number(last.GetProperty("blockNumber").GetString()!) * 1_000_000) + EvmRpc.Number(last.GetProperty("logIndex").GetString()!);
        var push = await StartAsync("logs-push", node, node.WsUrl, null, ("from", "1"), ("batch", "7"), ("address", emitter), ("topic0", EvmRpc.EmitterTopic0), ("stallMs", "5000"));
        var poll = await StartAsync("logs-poll", node, null, null, ("from", "1"), ("batch", "7"), ("address", $"{emitter},0x000000000000000000000000000000000000dead"), ("topic0", EvmRpc.EmitterTopic0), ("intervalMs", "100"));

        await WaitAsync(push, i => i.Checkpoint == lastSeq, $"logs up to seq {lastSeq} on push");
        await WaitAsync(poll, i => i.Checkpoint == lastSeq, $"logs up to seq {lastSeq} by polling");
        await fixture.Manager.StopAsync(push);
        await fixture.Manager.StopAsync(poll);
        await AssertLogsAsync(Client, node.Rpc, push, 1, head - 2, emitter, EvmRpc.EmitterTopic0);
        await AssertLogsAsync(Client, node.Rpc, poll, 1, head - 2, emitter, EvmRpc.EmitterTopic0);

        // Resume from the committed token: only logs of blocks mined since, none twice.
        await node.Rpc.EmitAsync(emitter, "0xbeef");
        await node.Rpc.MineAsync(3);
        await fixture.Manager.ResumeAsync(push);
        var newHead = await node.Rpc.BlockNumberAsync();
        var more = await node.Rpc.LogsAsync(1, newHead - 2, emitter, EvmRpc.EmitterTopic0);
        var moreSeq = (EvmRpc.Number(more[^1].GetProperty("blockNumber").GetString()!) * 1_000_000) + EvmRpc.Number(more[^1].GetProperty("logIndex").GetString()!);
        await WaitAsync(push, i => i.Checkpoint == moreSeq, $"the new log at seq {moreSeq} after resume");
        await fixture.Manager.StopAsync(push);
        await AssertLogsAsync(Client, node.Rpc, push, 1, newHead - 2, emitter, EvmRpc.EmitterTopic0);
    }
}
