using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Npgsql;
using Overseer.Client;
using Overseer.Models;
using Overseer.Testing;
using Xunit.Abstractions;
using static Overseer.Tests.Cluster.Erc20Tables;

namespace Overseer.Tests.Cluster;

/// <summary>
/// The sample end to end, as a user runs it: two silos of the sample's own host (built against the packages) index a
/// live token on anvil into PostgreSQL while transfers keep coming; the silo running the worker is killed with
/// SIGKILL, and so, later, is PostgreSQL. The indexed tables must then equal the chain exactly.
/// </summary>
[Collection(Erc20SampleCollection.Name)]
public sealed class Erc20SampleTests(Erc20SampleHost sample, ITestOutputHelper output)
{
    private const int Minted = 1_000;

    // Bounds the background transfers (about one a second per sender); the test stops them long before.
    private const int MaxTransfersPerSender = 120;

    // Every seventh transfer asks for more than the whole supply: it reverts and must leave no row.
    private const int RevertEvery = 7;

    private static readonly TimeSpan PhaseTimeout = TimeSpan.FromSeconds(60);

    // A stop of a worker whose silo is frozen mid-batch: failure detection (a few seconds with the fast settings), the
    // client's calls to the frozen silo's gateway timing out until it learns the silo is dead, and PostgreSQL's 10 s
    // idle_in_transaction_session_timeout on the frozen batch's session, with room to spare on two shared cores.
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Erc20Sample_TwoSilosThroughASiloKillAndAPostgresCrash_IndexesEachTransferOnceAndBalancesEqualBalanceOf()
    {
        var clock = Stopwatch.StartNew();

        // Arrange: PostgreSQL with the indexer's database, a chain with a block a second, the token minted to four
        // holders, and two silos of the sample host.
        await using var postgres = await PostgresServer.StartNewAsync();
        var database = await postgres.CreateDatabaseAsync($"erc20_{Guid.NewGuid():N}");
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: 1);
        var token = await Erc20Token.DeployAsync(node.Rpc);
        var accounts = (await node.Rpc.AccountsAsync()).Select(a => a.ToLowerInvariant()).ToArray();
        string[] holders = [.. accounts[1..5]];
        var bystander = accounts[5]; // never receives anything: balanceOf 0, so no row

        var starting = ProcessCluster.StartAsync(
            silos: 2,
            environment: new Dictionary<string, string> { ["ConnectionStrings__postgres"] = database },
            hostDll: sample.HostDll);
        var mints = new List<string>();
        foreach (var holder in holders)
        {
            mints.Add((await token.MintAsync(holder, Minted)).ToLowerInvariant());
        }

        await using var cluster = await starting;
        var client = await cluster.ConnectAsync();
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: postgres, anvil, token {token.Address} minted, 2 silos of {sample.HostDll} ready");

        var sent = new ConcurrentQueue<SentTransfer>();
        using var stopSending = new CancellationTokenSource();
        var senders = holders.Select((from, i) => SendTransfersAsync(token, from, holders, seed: i, sent, stopSending.Token)).ToArray();
        try
        {
            // Act 1: the worker, through the client library, on the evm source in logs mode with the sample's handler.
            var id = $"erc20-{Guid.NewGuid():N}";

            // Act 2: kill -9 the silo running the worker once it has committed, and start a replacement so that two stay up.
            var running = await StartCommittingAsync(client, cluster, node, token, database, id, "before the silo kill");
            var victim = cluster.Silos.Single(s => s.SiloEndpoint == running.Info.Silo);
            victim.Kill();
            var siloKilledAt = clock.Elapsed;
            var replacement = cluster.StartSiloAsync("silo-2");
            var moved = await Eventually.UntilAsync(
                async () => (Info: await client.GetStatusAsync(id), Cursor: await CursorAsync(database, id)),
                s => s.Info.Status == WorkerStatus.Running && s.Info.Silo is not null && s.Info.Silo != victim.SiloEndpoint && s.Cursor > running.Cursor,
                PhaseTimeout,
                s => $"after kill -9 of {victim.Name} ({victim.SiloEndpoint}): worker {id} running on another silo and committing past cursor {running.Cursor}, was {s.Info.Status} on {s.Info.Silo} at cursor {s.Cursor} (last error: {s.Info.LastError}){Environment.NewLine}{cluster.LogTails()}");
            await replacement;
            output.WriteLine($"{siloKilledAt.TotalSeconds:0.0} s: killed {victim.Name} ({victim.SiloEndpoint}) at cursor {running.Cursor}; worker on {moved.Info.Silo} committed {moved.Cursor} {(clock.Elapsed - siloKilledAt).TotalSeconds:0.0} s later (replacement silo up)");

            // Act 3: kill -9 PostgreSQL right after a commit (the next one is on its way), and start it again.
            var committed = await Eventually.UntilAsync(
                () => CursorAsync(database, id),
                cursor => cursor > moved.Cursor,
                PhaseTimeout,
                cursor => $"before the PostgreSQL kill: worker {id} committing past cursor {moved.Cursor}, was {cursor}{Environment.NewLine}{cluster.LogTails()}");
            var outage = Stopwatch.StartNew();
            await postgres.KillAsync();
            await postgres.StartAsync();
            outage.Stop();
            var postgresKilledAt = clock.Elapsed;
            var recovered = await Eventually.UntilAsync(
                () => CursorAsync(database, id),
                cursor => cursor > committed,
                PhaseTimeout,
                cursor => $"after kill -9 and restart of PostgreSQL: worker {id} committing past cursor {committed}, was {cursor}{Environment.NewLine}{cluster.LogTails()}");
            output.WriteLine($"{postgresKilledAt.TotalSeconds:0.0} s: PostgreSQL killed at cursor {committed}, down {outage.Elapsed.TotalSeconds:0.0} s; worker committed {recovered} {(clock.Elapsed - postgresKilledAt).TotalSeconds:0.0} s later");

            // Act 4: stop the transfers; one holder sends all it has to another (a holder back at 0 has no row); a few
            // more blocks; then wait until the worker's cursor covers the token's last Transfer log.
            await stopSending.CancelAsync();
            await Task.WhenAll(senders);
            var emptied = holders[3];
            var all = await token.BalanceOfAsync(emptied);
            sent.Enqueue(SentTransfer.From(await token.SendTransferAsync(emptied, holders[0], all)));
            await node.Rpc.MineAsync(3);
            var head = await node.Rpc.BlockNumberAsync();
            var logs = (await token.TransferLogsAsync(0, head)).Select(IndexedTransfer.FromLog).ToList();
            var lastSeq = logs.Max(l => l.Seq);
            var caughtUp = await Eventually.UntilAsync(
                () => CursorAsync(database, id),
                cursor => cursor >= lastSeq,
                PhaseTimeout,
                cursor => $"after the last transfer: worker {id}'s cursor in overseer_cursors at least {lastSeq} (block {lastSeq / 1_000_000}, log {lastSeq % 1_000_000}), was {cursor}{Environment.NewLine}{cluster.LogTails()}");
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: {sent.Count} transfers sent ({sent.Count(s => !s.Succeeded)} reverted), {logs.Count} Transfer logs up to block {head}; cursor {caughtUp}");

            // Assert: each Transfer log exactly once, as the node reports it.
            var rows = await TransfersAsync(database, id);
            AssertEachTransferLogOnce(id, rows, logs, token.Address, head);

            // Every transaction that succeeded (mints and transfers) is one row; a reverted one is none.
            string[] succeeded = [.. mints, .. sent.Where(s => s.Succeeded).Select(s => s.Hash)];
            string[] reverted = [.. sent.Where(s => !s.Succeeded).Select(s => s.Hash)];
            Assert.True(
                rows.Select(r => r.Tx).Order().SequenceEqual(succeeded.Order()),
                $"transfers of worker {id}: expected one row for each of the {succeeded.Length} successful transactions sent ({mints.Count} mints, {succeeded.Length - mints.Count} transfers) and none for the {reverted.Length} reverted; "
                + $"rows for no successful transaction: [{string.Join(", ", rows.Select(r => r.Tx).Except(succeeded))}], successful without a row: [{string.Join(", ", succeeded.Except(rows.Select(r => r.Tx)))}], "
                + $"reverted with a row: [{string.Join(", ", reverted.Intersect(rows.Select(r => r.Tx)))}]");

            // Every holder's row equals balanceOf on the node; a holder at 0 (the bystander, the emptied holder, the
            // deployer, the zero address) has none.
            string[] everyone = [.. accounts[..6], Erc20Token.ZeroAddress];
            var onChain = new SortedDictionary<string, BigInteger>(StringComparer.Ordinal);
            foreach (var holder in everyone)
            {
                onChain[holder] = await token.BalanceOfAsync(holder);
            }

            var expected = onChain.Where(b => !b.Value.IsZero).ToDictionary();
            var balances = await BalancesAsync(database, id, token.Address);
            Assert.True(onChain[bystander].IsZero && onChain[emptied].IsZero, $"the test's own setup: {bystander} and {emptied} should hold nothing, hold {onChain[bystander]} and {onChain[emptied]}");
            Assert.True(
                balances.Count == expected.Count && balances.All(b => expected.TryGetValue(b.Key, out var v) && v == b.Value),
                $"balances of worker {id}: expected exactly the non-zero balanceOf on the node [{Render(expected)}] (no row for [{string.Join(", ", onChain.Where(b => b.Value.IsZero).Select(b => b.Key))}]), got [{Render(balances)}]");
            Assert.Equal(await token.TotalSupplyAsync(), balances.Values.Aggregate(BigInteger.Zero, (sum, v) => sum + v));

            // Neither fault is a crash of the worker's run: the silo kill moves it to a live silo, the PostgreSQL crash is a
            // transient outage it waits out.
            var final = await client.GetStatusAsync(id);
            Assert.True(
                final.Status == WorkerStatus.Running && final.Restarts == 0,
                $"worker {id}: expected running with 0 restarts — the kill -9 of {victim.Name} moves the worker to a live silo and the PostgreSQL crash is a transient outage (pause and retry), so neither counts as a crash; "
                + $"was {final.Status} with {final.Restarts} restarts (last error: {final.LastError}){Environment.NewLine}{cluster.LogTails()}");
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: {rows.Count} transfer rows, {balances.Count} balance rows, restarts {final.Restarts}");
        }
        finally
        {
            await stopSending.CancelAsync();
            await Task.WhenAll(senders).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// A zombie: the silo running the worker is frozen (SIGSTOP) while it holds a batch transaction — the fence has locked
    /// the cursor row and the handler's rows are written, only the <c>COMMIT</c> is missing. <c>stop</c>, served by the
    /// other silo once failure detection has declared the frozen one dead, waits on that row until PostgreSQL ends the
    /// frozen session (<c>idle_in_transaction_session_timeout</c>, 10 s). Once <c>stop</c> has returned, nothing the frozen
    /// run still does after SIGCONT may land: the cursor row and the handler's rows stay exactly as they were; and
    /// <c>resume</c> then indexes each Transfer log once.
    /// </summary>
    [Fact]
    public async Task Erc20Sample_StopWhileTheWorkersSiloIsFrozenMidBatch_NothingCommitsAfterStopReturns_ResumeIndexesEachTransferOnce()
    {
        var clock = Stopwatch.StartNew();

        // Arrange: as above — PostgreSQL, a chain with a block a second and transfers in every block, two silos of the
        // sample host — and a worker that has committed.
        await using var postgres = await PostgresServer.StartNewAsync();
        var database = await postgres.CreateDatabaseAsync($"erc20_{Guid.NewGuid():N}");
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: 1);
        var token = await Erc20Token.DeployAsync(node.Rpc);
        var accounts = (await node.Rpc.AccountsAsync()).Select(a => a.ToLowerInvariant()).ToArray();
        string[] holders = [.. accounts[1..5]];
        var starting = ProcessCluster.StartAsync(
            silos: 2,
            environment: new Dictionary<string, string> { ["ConnectionStrings__postgres"] = database },
            hostDll: sample.HostDll);
        foreach (var holder in holders)
        {
            await token.MintAsync(holder, Minted);
        }

        await using var cluster = await starting;
        var client = await cluster.ConnectAsync();
        var sent = new ConcurrentQueue<SentTransfer>();
        using var stopSending = new CancellationTokenSource();
        var senders = holders.Select((from, i) => SendTransfersAsync(token, from, holders, seed: i, sent, stopSending.Token)).ToArray();
        SiloProcess? victim = null;
        try
        {
            var id = $"erc20-zombie-{Guid.NewGuid():N}";
            var running = await StartCommittingAsync(client, cluster, node, token, database, id, "before the freeze");
            victim = cluster.Silos.Single(s => s.SiloEndpoint == running.Info.Silo);
            var survivor = cluster.Silos.Single(s => s != victim);
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: worker {id} running on {victim.Name} ({victim.SiloEndpoint}, pid {victim.ProcessId}) at cursor {running.Cursor}");

            // Act 1: catch the next batch inside its transaction. The test holds a SHARE lock on transfers, so the batch
            // fences (its UPDATE locks the cursor row) and then waits on the handler's INSERT; the silo is frozen there and
            // the lock released: the batch's writes go through, and its session is left idle in transaction, holding the
            // cursor row, waiting for a COMMIT that a frozen process cannot send.
            var victimPorts = (IReadOnlySet<int>)new HashSet<int>();
            Backend frozenBatch;
            await using (var blocker = await OpenAsync(database))
            {
                await using var hold = await blocker.BeginTransactionAsync();
                await using (var lockTransfers = new NpgsqlCommand("LOCK TABLE transfers IN SHARE MODE", blocker, hold))
                {
                    await lockTransfers.ExecuteNonQueryAsync();
                }

                var waiting = await Eventually.UntilAsync(
                    () => BlockedByAsync(database, blocker.ProcessID),
                    b => b.Count > 0,
                    PhaseTimeout,
                    b => $"phase 'catch a batch': a batch of worker {id} on {victim.Name} waiting on the test's lock on transfers (blocks arrive every second with transfers), was [{string.Join("; ", b)}]{Environment.NewLine}{cluster.LogTails()}");
                victim.Suspend();
                victimPorts = TcpConnections.LocalPortsTo(victim.ProcessId, postgres.Port);
                frozenBatch = waiting.Single();
                Assert.True(
                    victimPorts.Contains(frozenBatch.ClientPort),
                    $"phase 'catch a batch': the session waiting on the test's lock ({frozenBatch}) should be one of frozen {victim.Name}'s connections to PostgreSQL (client ports [{string.Join(", ", victimPorts)}])");
                await hold.RollbackAsync();
            }

            var frozenAt = clock.Elapsed;
            var idle = await Eventually.UntilAsync(
                () => BackendAsync(database, frozenBatch.Pid),
                b => b is { State: "idle in transaction" },
                TimeSpan.FromSeconds(5), // well inside the 10 s after which PostgreSQL ends an idle transaction
                b => $"phase 'frozen mid-batch': the frozen batch's session {frozenBatch.Pid} idle in transaction once the test's lock is released, was {b?.ToString() ?? "gone"}");
            output.WriteLine($"{frozenAt.TotalSeconds:0.0} s: froze {victim.Name} mid-batch; its session {idle} holds the cursor row");

            // Act 2: stop through the client. The worker's activation is on the frozen silo: the call is served once failure
            // detection has declared it dead (a few seconds here) and the worker reactivated on the survivor, whose stop then
            // waits on the cursor row until PostgreSQL ends the frozen session (10 s after it went idle).
            // A call that the client routes to the frozen silo's gateway (it accepts connections: the kernel does) times out
            // and, while the client has not yet learnt of the death, so do its retries (ClusterUnreachableException after
            // ~35 s in 2 of 3 runs): stop is called again until it returns. A stop is idempotent.
            var stopClock = Stopwatch.StartNew();
            var attempts = 0;
            var stopped = await Eventually.UntilAsync(
                async () =>
                {
                    attempts++;
                    return await client.StopAsync(id);
                },
                info => info.Status == WorkerStatus.Stopped,
                StopTimeout,
                info => $"phase 'stop': stop of worker {id} returning Stopped within {StopTimeout.TotalSeconds:0} s ({attempts} calls; failure detection of frozen {victim.Name}, the client learning that its gateway is dead, "
                        + $"PostgreSQL's 10 s idle_in_transaction_session_timeout on the frozen batch's session {frozenBatch.Pid}), last returned {info.Status}{Environment.NewLine}{cluster.LogTails()}");
            var atStop = await OutputAsync(database, id, token.Address);
            stopClock.Stop();
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: stop returned after {stopClock.Elapsed.TotalSeconds:0.0} s and {attempts} calls ({stopped.Status}); at that moment {atStop}");

            // Act 3: thaw the frozen silo. It finds itself declared dead and exits; whatever its run still sends to
            // PostgreSQL meanwhile must be refused. Awaited: the process has exited and PostgreSQL has no session left
            // that is not the survivor's or the test's.
            victim.Resume();
            var thawedAt = clock.Elapsed;
            var gone = await Eventually.UntilAsync(
                async () => (Exited: victim.HasExited, Foreign: await ForeignSessionsAsync(database, postgres.Port, survivor.ProcessId), Output: await OutputAsync(database, id, token.Address)),
                s => s.Exited && s.Foreign.Count == 0,
                PhaseTimeout,
                s => $"phase 'thawed': {victim.Name} (pid {victim.ProcessId}), declared dead while frozen, to exit after SIGCONT and PostgreSQL to hold no session of it; exited: {s.Exited}, "
                     + $"sessions neither {survivor.Name}'s nor the test's: [{string.Join("; ", s.Foreign)}]; output now {s.Output} (at stop {atStop}){Environment.NewLine}{victim.ReadLogTail(30)}");
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: {victim.Name} exited {(clock.Elapsed - thawedAt).TotalSeconds:0.0} s after SIGCONT, none of its sessions left");

            // Assert: nothing moved after stop returned, and the worker is stopped.
            // The generation is not compared: a stop call the client sent to the frozen silo (before it retried through the
            // survivor) waits in that silo's socket, and the thawed silo runs it before it exits — a second stop, which
            // bumps the generation of a row already stopped (seen in every run; see the branch's closing note).
            var afterThaw = await OutputAsync(database, id, token.Address);
            output.WriteLine($"cursor row when stop returned: {atStop.Cursor}; after the thaw: {afterThaw.Cursor}");
            Assert.True(
                afterThaw.Cursor is { Stopped: true } after && atStop.Cursor is { Stopped: true } before && after.Checkpoint == before.Checkpoint,
                $"worker {id}: the cursor row must stay stopped at the same checkpoint after stop returned; was {atStop.Cursor} when stop returned, {afterThaw.Cursor} after frozen {victim.Name} was thawed and exited{Environment.NewLine}{victim.ReadLogTail(40)}");
            Assert.True(
                afterThaw.Transfers.SequenceEqual(atStop.Transfers) && afterThaw.Balances.OrderBy(b => b.Key).SequenceEqual(atStop.Balances.OrderBy(b => b.Key)),
                $"worker {id}: its rows must not change after stop returned; when stop returned {atStop}, after the thaw {afterThaw}; "
                + $"transfers added: [{string.Join(", ", afterThaw.Transfers.Except(atStop.Transfers))}], removed: [{string.Join(", ", atStop.Transfers.Except(afterThaw.Transfers))}]; "
                + $"balances when stop returned [{Render(atStop.Balances)}], after [{Render(afterThaw.Balances)}]{Environment.NewLine}{victim.ReadLogTail(40)}");
            var status = await client.GetStatusAsync(id);
            Assert.True(
                status.Status == WorkerStatus.Stopped,
                $"worker {id}: expected Stopped after the thaw of {victim.Name}, was {status.Status} on {status.Silo} at {status.Checkpoint} (last error: {status.LastError})");

            // Act 4: resume; stop the transfers; wait until the worker's cursor covers the token's last Transfer log.
            await client.ResumeAsync(id);
            await stopSending.CancelAsync();
            await Task.WhenAll(senders);
            await node.Rpc.MineAsync(3);
            var head = await node.Rpc.BlockNumberAsync();
            var logs = (await token.TransferLogsAsync(0, head)).Select(IndexedTransfer.FromLog).ToList();
            var lastSeq = logs.Max(l => l.Seq);
            var caughtUp = await Eventually.UntilAsync(
                () => CursorAsync(database, id),
                cursor => cursor >= lastSeq,
                PhaseTimeout,
                cursor => $"after resume: worker {id}'s cursor in overseer_cursors at least {lastSeq} (block {lastSeq / 1_000_000}, log {lastSeq % 1_000_000}), was {cursor}{Environment.NewLine}{cluster.LogTails()}");
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: resumed; {sent.Count} transfers sent, {logs.Count} Transfer logs up to block {head}; cursor {caughtUp}");

            // Assert: nothing lost, nothing twice — in the transfers and in the balances they add up to.
            var rows = await TransfersAsync(database, id);
            AssertEachTransferLogOnce(id, rows, logs, token.Address, head);
            var balances = await BalancesAsync(database, id, token.Address);
            Assert.Equal(await token.TotalSupplyAsync(), balances.Values.Aggregate(BigInteger.Zero, (sum, v) => sum + v));
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: {rows.Count} transfer rows, each Transfer log once");
        }
        finally
        {
            victim?.Resume(); // a failed assertion must not leave a frozen process behind
            await stopSending.CancelAsync();
            await Task.WhenAll(senders).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    // A contract that emits, when called, a log with Transfer's topic0 and four topics (an ERC-721 Transfer's shape, which
    // the sample's decoder refuses): runtime PUSH1 3, PUSH1 2, PUSH1 1, PUSH32 topic0, PUSH1 0, PUSH1 0, LOG4, STOP; the
    // init code copies those 45 bytes and returns them.
    private const string Erc721ShapedEmitter =
        "0x602d80600b6000396000f3" + "600360026001" + "7fddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef" + "60006000a400";

    /// <summary>
    /// A poison event on real silo processes, skipped while the worker's silo is frozen: the worker halts at a log its
    /// handler cannot decode (no restart counted, every Transfer before it committed); the silo holding its activation is
    /// frozen (SIGSTOP) with a skip queued through its own gateway, which its caller gives up on; the operator skips through
    /// the other silo once the frozen one is declared dead. The skip passes the event once, the worker indexes on, and
    /// when the frozen silo wakes, its late skip changes nothing: the rows are each Transfer once, and the audit stream
    /// holds one skip done.
    /// </summary>
    [Fact]
    public async Task Erc20Sample_PoisonLogHalts_SkipWhileItsSiloIsFrozen_IsFenced_AndPassesItOnce()
    {
        var clock = Stopwatch.StartNew();
        await using var postgres = await PostgresServer.StartNewAsync();
        var database = await postgres.CreateDatabaseAsync($"erc20_{Guid.NewGuid():N}");
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: 1);
        var starting = ProcessCluster.StartAsync(
            silos: 2,
            environment: new Dictionary<string, string> { ["ConnectionStrings__postgres"] = database },
            hostDll: sample.HostDll);
        var token = await Erc20Token.DeployAsync(node.Rpc);
        var accounts = (await node.Rpc.AccountsAsync()).Select(a => a.ToLowerInvariant()).ToArray();
        await token.MintAsync(accounts[1], Minted);
        await token.TransferAsync(accounts[1], accounts[2], 10);
        var emitter = (await node.Rpc.SendAsync(EvmRpc.DevAccount, null, Erc721ShapedEmitter)).GetProperty("contractAddress").GetString()!;
        var bad = await node.Rpc.SendAsync(EvmRpc.DevAccount, emitter, "0x");
        var badSeq = (EvmRpc.Number(bad.GetProperty("blockNumber").GetString()!) * 1_000_000) + EvmRpc.Number(bad.GetProperty("logs")[0].GetProperty("logIndex").GetString()!);
        await token.TransferAsync(accounts[2], accounts[3], 4);
        await token.TransferAsync(accounts[1], accounts[3], 7);
        var head = await node.Rpc.BlockNumberAsync();
        var logs = (await token.TransferLogsAsync(0, head)).Select(IndexedTransfer.FromLog).ToList();
        await using var cluster = await starting;
        var client = await cluster.ConnectAsync();

        // Act 1: a worker on every Transfer-shaped log (no address filter), policy halt (the default).
        var id = $"erc20-poison-{Guid.NewGuid():N}";
        await client.StartAsync(id, WorkerSpec.For(
            "evm", ("rpc", node.HttpUrl), ("topic0", Erc20Token.TransferTopic0), ("from", "1"), ("confirmations", "0"), ("intervalMs", "200")) with { Handler = "erc20" });
        var halted = await Eventually.UntilAsync(
            () => client.GetStatusAsync(id),
            i => i.Status == WorkerStatus.Halted,
            PhaseTimeout,
            i => $"worker {id} to halt at the ERC-721-shaped log (seq {badSeq}); it is {i.Status} at {i.Checkpoint} (last error: {i.LastError}){Environment.NewLine}{cluster.LogTails()}");
        var rowsAtHalt = await TransfersAsync(database, id);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: {id} halted at {halted.Halt?.Seq} on {halted.Silo}: {halted.Halt?.Error}");
        Assert.Equal((badSeq, 0), (halted.Halt!.Seq, halted.Restarts));
        Assert.Contains("topics has 4 entries", halted.Halt.Error);
        AssertEachTransferLogOnce(id, rowsAtHalt, [.. logs.Where(l => l.Seq < badSeq)], token.Address, head);

        // Act 2: freeze the silo holding the halted worker, with a skip queued through its own gateway (given up after 1 s).
        var frozen = cluster.Silos.Single(s => s.SiloEndpoint == halted.Silo);
        var live = cluster.Silos.Single(s => s != frozen);
        var late = await cluster.ConnectThroughAsync(frozen, TimeSpan.FromSeconds(1));
        var operatorManager = (await cluster.ConnectThroughAsync(live, TimeSpan.FromSeconds(30))).GetGrain<IManagerGrain>(0);
        frozen.Suspend();
        try
        {
            var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
            RequestDeadline.Set(deadline);
            var lateSkip = late.GetGrain<IManagerGrain>(0).SkipAsync(id, badSeq, "late-operator");
            RequestDeadline.Clear();
            await Eventually.UntilAsync(
                () => operatorManager.GetSilosAsync(),
                silos => silos.Any(s => s.Address == frozen.SiloEndpoint && s.Status == SiloState.Dead),
                StopTimeout,
                silos => $"{frozen.Name} to be declared dead; silos {string.Join(", ", silos.Select(s => $"{s.Address} {s.Status}"))}");

            // Act 3: the operator's skip through the live silo (retried while the directory still points at the dead silo).
            var skipped = await Eventually.UntilAsync(
                async () => await operatorManager.SkipAsync(id, badSeq, "operator"),
                _ => true,
                StopTimeout,
                _ => $"the operator's skip of {id} at seq {badSeq} through {live.Name}");
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: skipped through {live.Name}: now {skipped.Status} at {skipped.Checkpoint}; late skip {(lateSkip.IsCompleted ? lateSkip.Status.ToString() : "pending")}");
            await Eventually.UntilAsync(
                () => TransfersAsync(database, id),
                rows => rows.Count >= logs.Count,
                PhaseTimeout,
                rows => $"worker {id} to index on past the skipped log: {rows.Count} of {logs.Count} transfer rows{Environment.NewLine}{cluster.LogTails()}");

            // Act 4: wake the frozen silo once its late call is past its deadline; it learns it was declared dead and exits.
            var lateBy = deadline + TimeSpan.FromSeconds(3);
            await Eventually.UntilAsync(() => Task.FromResult(DateTimeOffset.UtcNow), now => now > lateBy, TimeSpan.FromSeconds(30), now => $"the clock ({now:HH:mm:ss.fff}) past the late skip's deadline ({lateBy:HH:mm:ss.fff})");
            frozen.Resume();
            await Eventually.UntilAsync(() => Task.FromResult(frozen.HasExited), exited => exited, PhaseTimeout, _ => $"{frozen.Name} to exit after it woke, declared dead{Environment.NewLine}{cluster.LogTails()}");

            // Assert: each Transfer once (the poison log passed once, never a row), the worker runs on without a restart,
            // and the audit stream has exactly one skip done.
            var after = await Eventually.UntilAsync(
                () => client.GetStatusAsync(id),
                i => i.Status == WorkerStatus.Running && i.Checkpoint >= logs[^1].Seq,
                PhaseTimeout,
                i => $"worker {id} running past the last transfer (seq {logs[^1].Seq}); it is {i.Status} at {i.Checkpoint}");
            var rows = await TransfersAsync(database, id);
            var audit = await client.GetAuditAsync(1000);
            Assert.Equal(0, after.Restarts);
            Assert.Null(after.Halt);
            AssertEachTransferLogOnce(id, rows, logs, token.Address, head);
            Assert.Single(audit, e => e.WorkerId == id && e.Action == "skip" && e.Outcome.StartsWith("done:", StringComparison.Ordinal));
        }
        finally
        {
            frozen.Resume();
        }
    }

    /// <summary>The worker's <c>transfers</c> rows are exactly the token's Transfer logs, each once, in seq order.</summary>
    private static void AssertEachTransferLogOnce(string workerId, List<IndexedTransfer> rows, List<IndexedTransfer> logs, string token, long head) =>
        Assert.True(
            rows.SequenceEqual(logs),
            $"transfers of worker {workerId}: expected each of the {logs.Count} Transfer logs of {token} (eth_getLogs over [0, {head}]) exactly once, got {rows.Count} rows; "
            + $"duplicated: [{string.Join(", ", rows.GroupBy(r => r.Seq).Where(g => g.Count() > 1).Select(g => $"{g.Key} x{g.Count()}"))}], "
            + $"missing: [{string.Join(", ", logs.Except(rows))}], not on the chain: [{string.Join(", ", rows.Except(logs))}]");

    /// <summary>Transfers from <paramref name="from"/> to another holder, one at a time (one block each), until stopped or
    /// <see cref="MaxTransfersPerSender"/>; a transaction once sent is always awaited and recorded.</summary>
    private static async Task SendTransfersAsync(
        Erc20Token token, string from, string[] holders, int seed, ConcurrentQueue<SentTransfer> sent, CancellationToken stop)
    {
        var random = new Random(seed);
        for (var i = 1; i <= MaxTransfersPerSender && !stop.IsCancellationRequested; i++)
        {
            var to = holders[(Array.IndexOf(holders, from) + random.Next(1, holders.Length)) % holders.Length];
            BigInteger value = i % RevertEvery == 0 ? Minted * holders.Length * 10 : random.Next(1, 300);
            sent.Enqueue(SentTransfer.From(await token.SendTransferAsync(from, to, value, CancellationToken.None)));
        }
    }

    /// <summary>Starts an erc20 worker on the token (the evm source in logs mode, the sample's handler) and waits until it
    /// runs on a silo and has committed; returns that status and cursor.</summary>
    private static async Task<(WorkerInfo Info, long Cursor)> StartCommittingAsync(
        OverseerClient client, ProcessCluster cluster, AnvilNode node, Erc20Token token, string database, string id, string phase)
    {
        var spec = WorkerSpec.For(
            "evm",
            ("rpc", node.HttpUrl),
            ("address", token.Address),
            ("topic0", Erc20Token.TransferTopic0),
            ("from", "1"),
            ("confirmations", "0"),
            ("intervalMs", "200")) with { Handler = "erc20" };
        await client.StartAsync(id, spec);
        return await Eventually.UntilAsync(
            async () => (Info: await client.GetStatusAsync(id), Cursor: await CursorAsync(database, id)),
            s => s.Info.Status == WorkerStatus.Running && s.Info.Silo is not null && s.Cursor > 0,
            PhaseTimeout,
            s => $"{phase}: worker {id} running on a silo with a committed cursor in overseer_cursors, was {s.Info.Status} on {s.Info.Silo} at cursor {s.Cursor} (last error: {s.Info.LastError}){Environment.NewLine}{cluster.LogTails()}");
    }

    /// <summary>The worker's cursor row and its rows in the handler's tables, read in one snapshot.</summary>
    private static async Task<OutputSnapshot> OutputAsync(string database, string workerId, string token)
    {
        await using var connection = await OpenAsync(database);
        await using var snapshot = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        await using var command = new NpgsqlCommand("SELECT generation, checkpoint, stopped FROM overseer_cursors WHERE worker = $1", connection, snapshot);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workerId });
        CursorRow? cursor = null;
        await using (var reader = await command.ExecuteReaderAsync())
        {
            if (await reader.ReadAsync())
            {
                cursor = new CursorRow(reader.GetInt64(0), reader.IsDBNull(1) ? 0 : reader.GetInt64(1), reader.GetBoolean(2));
            }
        }

        var transfers = await TransfersAsync(connection, workerId);
        var balances = await BalancesAsync(connection, workerId, token);
        await snapshot.CommitAsync();
        return new OutputSnapshot(cursor, transfers, balances);
    }

    /// <summary>The sessions waiting on a lock that <paramref name="blockerPid"/> holds.</summary>
    /// <remarks>On a connection of its own: inside a transaction, pg_stat_activity is read once and then kept.</remarks>
    private static async Task<List<Backend>> BlockedByAsync(string database, int blockerPid)
    {
        await using var connection = await OpenAsync(database);
        await using var command = new NpgsqlCommand(
            "SELECT pid, coalesce(client_port, -1), coalesce(state, ''), coalesce(query, '') FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid))", connection);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = blockerPid });
        return await ReadBackendsAsync(command);
    }

    /// <summary>The session <paramref name="pid"/>, or null once it has ended.</summary>
    private static async Task<Backend?> BackendAsync(string database, int pid)
    {
        await using var connection = await OpenAsync(database);
        await using var command = new NpgsqlCommand(
            "SELECT pid, coalesce(client_port, -1), coalesce(state, ''), coalesce(query, '') FROM pg_stat_activity WHERE pid = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = pid });
        return (await ReadBackendsAsync(command)).SingleOrDefault();
    }

    /// <summary>The client sessions of this database that belong neither to <paramref name="survivorPid"/> nor to the test
    /// process (told apart by their client ports, see <see cref="TcpConnections"/>).</summary>
    private static async Task<List<Backend>> ForeignSessionsAsync(string database, int postgresPort, int survivorPid)
    {
        await using var connection = await OpenAsync(database);
        await using var command = new NpgsqlCommand(
            """
            SELECT pid, coalesce(client_port, -1), coalesce(state, ''), coalesce(query, '') FROM pg_stat_activity
            WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
            """,
            connection);
        var sessions = await ReadBackendsAsync(command);

        // Read after the sessions: a connection listed there was opened before, so its owner holds it now unless it has
        // closed it meanwhile (then it shows as foreign once, and the next probe no longer sees it).
        var known = TcpConnections.LocalPortsTo(survivorPid, postgresPort).Union(TcpConnections.LocalPortsTo(Environment.ProcessId, postgresPort)).ToHashSet();
        return [.. sessions.Where(s => !known.Contains(s.ClientPort))];
    }

    private static async Task<List<Backend>> ReadBackendsAsync(NpgsqlCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync();
        var backends = new List<Backend>();
        while (await reader.ReadAsync())
        {
            backends.Add(new Backend(reader.GetInt32(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3)));
        }

        return backends;
    }

    /// <summary>A worker's row of <c>overseer_cursors</c>.</summary>
    private sealed record CursorRow(long Generation, long Checkpoint, bool Stopped)
    {
        public override string ToString() => $"generation {Generation}, checkpoint {Checkpoint}{(Stopped ? ", stopped" : "")}";
    }

    /// <summary>What a worker's output holds at one moment: its cursor row and its handler's rows.</summary>
    private sealed record OutputSnapshot(CursorRow? Cursor, List<IndexedTransfer> Transfers, Dictionary<string, BigInteger> Balances)
    {
        public override string ToString() =>
            $"cursor ({Cursor?.ToString() ?? "no row"}), {Transfers.Count} transfers (max seq {(Transfers.Count == 0 ? 0 : Transfers[^1].Seq)}), {Balances.Count} balances";
    }

    /// <summary>A PostgreSQL session as <c>pg_stat_activity</c> shows it.</summary>
    private sealed record Backend(int Pid, int ClientPort, string State, string Query)
    {
        public override string ToString() => $"pid {Pid} port {ClientPort} {State}: {(Query.Length > 80 ? Query[..80] + "…" : Query)}";
    }

    /// <summary>A transfer transaction the test sent, and whether it succeeded (status 0x1) or reverted.</summary>
    private sealed record SentTransfer(string Hash, bool Succeeded)
    {
        public static SentTransfer From(JsonElement receipt) =>
            new(receipt.GetProperty("transactionHash").GetString()!.ToLowerInvariant(), receipt.GetProperty("status").GetString() == "0x1");
    }
}
