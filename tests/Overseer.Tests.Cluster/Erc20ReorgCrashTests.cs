using System.Diagnostics;
using System.Numerics;
using Npgsql;
using Overseer.Client;
using Overseer.Models;
using Overseer.Testing;
using Xunit.Abstractions;
using static Overseer.Tests.Cluster.Erc20Tables;

namespace Overseer.Tests.Cluster;

/// <summary>
/// kill -9 of the real silo process while it is inside the transaction that rolls a PostgreSQL handler's rows back
/// after a reorg (issue 19, "faults during a rollback"). Two silos of the ERC-20 sample's own host index a token at the
/// head (<c>confirmations=0</c>); a branch of three blocks of transfers is replaced (<c>evm_snapshot</c> /
/// <c>evm_revert</c>) by a branch of other transfers. The test holds a row lock on a balance that the undo must restore,
/// so the rollback's transaction stops there with part of the undo done; the silo running it is killed, then the lock is
/// released. The survivor finds the reorg again from the committed journal and rolls back there. The tables must then
/// be exactly a fresh index of the final chain.
/// </summary>
[Collection(Erc20SampleCollection.Name)]
public sealed class Erc20ReorgCrashTests(Erc20SampleHost sample, ITestOutputHelper output)
{
    private const int Minted = 1_000;
    private static readonly TimeSpan PhaseTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Erc20Sample_KillTheSiloInsideItsRollbackTransaction_TheSurvivorRollsBack_TablesEqualAFreshIndex()
    {
        var clock = Stopwatch.StartNew();

        // Arrange: PostgreSQL, a chain that mines on demand (one block per transaction), two silos of the sample host.
        await using var postgres = await PostgresServer.StartNewAsync();
        var database = await postgres.CreateDatabaseAsync($"erc20_{Guid.NewGuid():N}");
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        var starting = ProcessCluster.StartAsync(
            silos: 2,
            environment: new Dictionary<string, string> { ["ConnectionStrings__postgres"] = database },
            hostDll: sample.HostDll);
        var token = await Erc20Token.DeployAsync(node.Rpc);
        var accounts = (await node.Rpc.AccountsAsync()).Select(a => a.ToLowerInvariant()).ToArray();
        var (a1, a2, a3, a4, a5, a6) = (accounts[1], accounts[2], accounts[3], accounts[4], accounts[5], accounts[6]);
        foreach (var holder in new[] { a1, a2, a3 })
        {
            await token.MintAsync(holder, Minted);
        }

        await token.TransferAsync(a1, a2, 10);
        var ancestor = await node.Rpc.BlockNumberAsync();
        await using var cluster = await starting;
        var client = await cluster.ConnectAsync();
        var id = $"erc20-reorg-{Guid.NewGuid():N}";
        await client.StartAsync(id, Spec(node, token));
        await WaitCursorAsync(database, id, Seq(ancestor), cluster, $"indexed up to the fork point, block {ancestor}");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: token {token.Address}, worker {id} at block {ancestor}");

        // The branch that the reorg takes back: an update (a1) and an insert (a4); a holder emptied (a3's row deleted)
        // and one inserted (a5); two updates (a2, a5). Each block is its own event, journaled under its own seq.
        var snapshot = (await node.Rpc.CallAsync("evm_snapshot", [])).GetString()!;
        await token.TransferAsync(a1, a4, 100);
        await token.TransferAsync(a3, a5, Minted);
        await token.TransferAsync(a2, a5, 5);
        var oldHead = await node.Rpc.BlockNumberAsync();
        await WaitCursorAsync(database, id, Seq(oldHead), cluster, $"indexed the branch to be replaced, blocks {ancestor + 1}..{oldHead}");
        var oldBalances = await BalancesAsync(database, id, token.Address);
        Assert.True(
            !oldBalances.ContainsKey(a3) && oldBalances.ContainsKey(a5),
            $"the test's own setup: on the old branch a3 ({a3}) holds nothing (no row) and a5 ({a5}) something; balances [{Render(oldBalances)}]");

        // Act 1: the test locks a1's balance row, which only the oldest block of the branch changed; the undo goes newest
        // first, so the rollback waits there with the two newer blocks already undone in its open transaction.
        await using var blocker = await OpenAsync(database);
        await using var hold = await blocker.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT balance FROM balances WHERE worker = $1 AND token = $2 AND holder = $3 FOR UPDATE", blocker, hold))
        {
            lockRow.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            lockRow.Parameters.Add(new NpgsqlParameter<string> { TypedValue = token.Address });
            lockRow.Parameters.Add(new NpgsqlParameter<string> { TypedValue = a1 });
            Assert.NotNull(await lockRow.ExecuteScalarAsync());
        }

        // The new branch from the fork point: other transfers (a1 and a2 updated, a2 emptied, a4 and a6 inserted, a3
        // updated) and one block more than the old branch: the worker sees the fork only in that block, with the whole
        // new branch already on the node.
        Assert.True((await node.Rpc.CallAsync("evm_revert", [snapshot])).GetBoolean(), $"evm_revert to snapshot {snapshot}");
        await token.TransferAsync(a2, a1, 7);
        await token.TransferAsync(a2, a4, await token.BalanceOfAsync(a2));
        await token.TransferAsync(a3, a6, 400);
        await token.TransferAsync(a4, a1, 50);
        var newHead = await node.Rpc.BlockNumberAsync();
        var logs = (await token.TransferLogsAsync(0, newHead)).Select(IndexedTransfer.FromLog).ToList();
        var lastSeq = logs[^1].Seq;
        Assert.True(newHead == oldHead + 1 && lastSeq == Seq(newHead), $"the test's own setup: the new branch ends one block above the old head {oldHead} with a Transfer; head {newHead}, last Transfer at seq {lastSeq}");

        var undoing = await Eventually.UntilAsync(
            () => UndoWaitingOnAsync(database, blocker.ProcessID),
            b => b is not null,
            PhaseTimeout,
            _ => $"phase 'rollback caught': a session of worker {id} running overseer_undo and waiting on a Lock held by the test's session {blocker.ProcessID} "
                 + $"(new head {newHead} above the old head {oldHead}){Environment.NewLine}{cluster.LogTails()}");
        var victim = cluster.Silos.Single(s => TcpConnections.LocalPortsTo(s.ProcessId, postgres.Port).Contains(undoing!.ClientPort));

        // Part of the undo ran in that transaction: a5's row, which only the two newer blocks changed, is locked by it.
        var undone = await Assert.ThrowsAsync<PostgresException>(() => LockBalanceNowaitAsync(database, id, token.Address, a5));
        Assert.True(
            undone.SqlState == PostgresErrorCodes.LockNotAvailable,
            $"a5's balance row should be locked by {victim.Name}'s rollback (its undo of the two newer blocks), so FOR UPDATE NOWAIT fails with {PostgresErrorCodes.LockNotAvailable}; it failed with {undone.SqlState}: {undone.MessageText}");
        var survivor = cluster.Silos.Single(s => s != victim);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: {victim.Name}'s rollback waits on the test's lock: {undoing}");

        // Act 2: kill -9 that silo while its transaction is open; then release the lock. Its session can finish the undo
        // but never commits (its client is gone): PostgreSQL rolls the whole transaction back.
        victim.Kill();
        var killed = Stopwatch.StartNew();
        await hold.RollbackAsync();

        var after = await Eventually.UntilAsync(
            () => client.GetStatusAsync(id),
            i => i.Status == WorkerStatus.Running && i.Silo == survivor.SiloEndpoint && i.Checkpoint == lastSeq && i.Reorgs >= 1,
            PhaseTimeout,
            i => $"phase 'survivor': worker {id} rolled back on {survivor.Name} ({survivor.SiloEndpoint}) and at the new head {newHead} (checkpoint {lastSeq}, its Transfer); "
                 + $"it is {i.Status} on {i.Silo} at checkpoint {i.Checkpoint}, head {i.Head}, reorgs {i.Reorgs}, restarts {i.Restarts}, last error '{i.LastError}'{Environment.NewLine}{cluster.LogTails()}");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: rolled back on {survivor.Name} {killed.Elapsed.TotalSeconds:0.0} s after the kill: {after.LastReorg}");

        // Assert: one reorg, found again by the survivor from the committed journal, and no restart counted.
        Assert.Contains($"the common ancestor is block {ancestor}", after.LastReorg, StringComparison.Ordinal);
        Assert.True(
            after.Reorgs == 1 && after.Restarts == 0,
            $"worker {id}: one reorg rolled back (the killed silo's rollback never committed) and no restart: the kill moves the worker, it does not crash it; was {after.Reorgs} reorgs, {after.Restarts} restarts");

        // The tables are the final chain: each Transfer log once (eth_getLogs), every balance as balanceOf says, and no row
        // for a holder at 0 (a2 emptied on the new branch, a5 paid only on the old one).
        var rows = await TransfersAsync(database, id);
        Assert.True(
            rows.SequenceEqual(logs),
            $"transfers of worker {id}: expected exactly the {logs.Count} Transfer logs of the final chain (eth_getLogs 0..{newHead}) [{string.Join(", ", logs)}], got [{string.Join(", ", rows)}]");
        var onChain = new SortedDictionary<string, BigInteger>(StringComparer.Ordinal);
        foreach (var holder in accounts[..7].Append(Erc20Token.ZeroAddress))
        {
            onChain[holder] = await token.BalanceOfAsync(holder);
        }

        var expected = onChain.Where(b => !b.Value.IsZero).ToDictionary();
        var balances = await BalancesAsync(database, id, token.Address);
        Assert.True(onChain[a2].IsZero && onChain[a5].IsZero && !onChain[a6].IsZero, $"the test's own setup: on the final chain a2 and a5 hold nothing and a6 something: [{Render(onChain)}]");
        Assert.True(
            balances.Count == expected.Count && balances.All(b => expected.TryGetValue(b.Key, out var v) && v == b.Value),
            $"balances of worker {id}: expected exactly the non-zero balanceOf on the node [{Render(expected)}], got [{Render(balances)}]");

        // And row for row what a fresh worker indexes from the same chain.
        var fresh = $"{id}-fresh";
        await client.StartAsync(fresh, Spec(node, token));
        await WaitCursorAsync(database, fresh, lastSeq, cluster, "a fresh index of the final chain");
        var freshRows = await TransfersAsync(database, fresh);
        var freshBalances = await BalancesAsync(database, fresh, token.Address);
        Assert.True(
            rows.SequenceEqual(freshRows) && balances.OrderBy(b => b.Key).SequenceEqual(freshBalances.OrderBy(b => b.Key)),
            $"worker {id} after the rollback against a fresh index ({fresh}) of the same chain: transfers [{string.Join(", ", rows)}] vs [{string.Join(", ", freshRows)}], "
            + $"balances [{Render(balances)}] vs [{Render(freshBalances)}]");

        // Nothing of the old branch is left in the journal: every transfer row it would undo is one of the final chain's.
        var journaled = await JournaledTransfersAsync(database, id);
        string[] final = [.. logs.Select(l => l.Tx)];
        Assert.True(
            journaled.Count > 0 && journaled.All(final.Contains),
            $"worker {id}'s reorg journal: expected only inserts of the final chain's transfers [{string.Join(", ", final)}], holds inserts of [{string.Join(", ", journaled)}]");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: {rows.Count} transfers, {balances.Count} balances, equal to a fresh index; {journaled.Count} of them journaled");
    }

    private static WorkerSpec Spec(AnvilNode node, Erc20Token token) =>
        WorkerSpec.For(
            "evm",
            ("rpc", node.HttpUrl),
            ("address", token.Address),
            ("topic0", Erc20Token.TransferTopic0),
            ("from", "1"),
            ("confirmations", "0"),
            ("intervalMs", "100")) with { Handler = "erc20" };

    /// <summary>The seq of a block's first log (each block of this test holds one Transfer).</summary>
    private static long Seq(long block) => block * 1_000_000;

    private static Task<long> WaitCursorAsync(string database, string id, long seq, ProcessCluster cluster, string phase) =>
        Eventually.UntilAsync(
            () => CursorAsync(database, id),
            cursor => cursor == seq,
            PhaseTimeout,
            cursor => $"phase '{phase}': worker {id}'s cursor in overseer_cursors at {seq}, was {cursor}{Environment.NewLine}{cluster.LogTails()}");

    /// <summary>Locks a holder's balance row in a transaction of its own, without waiting (then rolls back).</summary>
    private static async Task LockBalanceNowaitAsync(string database, string workerId, string token, string holder)
    {
        await using var connection = await OpenAsync(database);
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand("SELECT balance FROM balances WHERE worker = $1 AND token = $2 AND holder = $3 FOR UPDATE NOWAIT", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workerId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = token });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = holder });
        await command.ExecuteScalarAsync();
        await transaction.RollbackAsync();
    }

    /// <summary>The session running <c>overseer_undo</c> while it waits on a Lock that <paramref name="blockerPid"/>
    /// holds, or null.</summary>
    private static async Task<UndoSession?> UndoWaitingOnAsync(string database, int blockerPid)
    {
        await using var connection = await OpenAsync(database);
        await using var command = new NpgsqlCommand(
            """
            SELECT pid, coalesce(client_port, -1), coalesce(wait_event, ''), query FROM pg_stat_activity
            WHERE $1 = ANY (pg_blocking_pids(pid)) AND wait_event_type = 'Lock' AND query LIKE '%overseer_undo%'
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = blockerPid });
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? new UndoSession(reader.GetInt32(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3)) : null;
    }

    /// <summary>The transactions of the <c>transfers</c> rows whose insert the worker's reorg journal holds.</summary>
    private static async Task<List<string>> JournaledTransfersAsync(string database, string workerId)
    {
        await using var connection = await OpenAsync(database);
        await using var command = new NpgsqlCommand(
            "SELECT new_row->>'tx' FROM overseer_reorg_journal WHERE worker = $1 AND tbl = 'public.transfers' AND op = 'I' ORDER BY id", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workerId });
        await using var reader = await command.ExecuteReaderAsync();
        var txs = new List<string>();
        while (await reader.ReadAsync())
        {
            txs.Add(reader.GetString(0));
        }

        return txs;
    }

    /// <summary>A rollback's PostgreSQL session as <c>pg_stat_activity</c> shows it while it waits.</summary>
    private sealed record UndoSession(int Pid, int ClientPort, string WaitEvent, string Query)
    {
        public override string ToString() => $"pid {Pid} port {ClientPort} waiting on Lock:{WaitEvent}: {Query}";
    }
}
