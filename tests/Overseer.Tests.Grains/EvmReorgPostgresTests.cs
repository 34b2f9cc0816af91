using System.Globalization;
using System.Numerics;
using Npgsql;
using Overseer.Errors;
using Overseer.Models;
using Overseer.Testing;
using Xunit.Abstractions;

namespace Overseer.Tests.Grains;

/// <summary>Indexing at the head (<c>confirmations=0</c>) into PostgreSQL against a real anvil, with the sample's ERC-20
/// handler, whose tables are journaled: reorgs are undone row for row (inserted transfers deleted, balances set back,
/// deleted balance rows restored) in the rollback's one transaction, with no restart counted, also right after a
/// backfill and with PostgreSQL killed mid-rollback; after each, the tables are exactly the final chain's. A reorg below
/// finality halts at once. A handler without journaled tables rolls back through its rewind hook, or halts if it has
/// none.</summary>
public sealed class EvmReorgPostgresTests(PostgresCluster fixture, ITestOutputHelper output) : IClassFixture<PostgresCluster>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static string NewId(string name) => $"pg-reorg-{name}-{Guid.NewGuid():N}"[..28];

    /// <summary>A chain with a deployed token whose four holders hold a million each, and the transfers a test makes on it
    /// (each mined in a block of its own).</summary>
    private sealed class Chain(AnvilNode node, Erc20Token token, string[] holders) : IAsyncDisposable
    {
        private readonly Random _random = new(20261206);

        public AnvilNode Node => node;

        public EvmRpc Rpc => node.Rpc;

        public Erc20Token Token => token;

        /// <summary>The holders, and the fresh receivers transfers were sent to.</summary>
        public List<string> Holders { get; } = [.. holders];

        public static async Task<Chain> StartAsync()
        {
            var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
            var token = await Erc20Token.DeployAsync(node.Rpc);
            var holders = (await node.Rpc.AccountsAsync()).Select(a => a.ToLowerInvariant()).Skip(1).Take(4).ToArray();
            foreach (var holder in holders)
            {
                await token.MintAsync(holder, 1_000_000);
            }

            return new Chain(node, token, holders);
        }

        /// <summary><paramref name="count"/> transfers between the holders, one block each; with <paramref name="emptyOne"/>,
        /// the last holder's whole balance moves (its balance row goes) and one transfer goes to a fresh address (a new row).</summary>
        public async Task TransfersAsync(int count, bool emptyOne = false)
        {
            for (var i = 0; i < count; i++)
            {
                var from = holders[_random.Next(3)];
                var to = i == 0 && emptyOne ? Fresh() : holders[(Array.IndexOf(holders, from) + 1 + _random.Next(3)) % 4];
                await token.TransferAsync(from, to, _random.Next(1, 1000));
            }

            if (emptyOne && await token.BalanceOfAsync(holders[3]) is { IsZero: false } all)
            {
                await token.TransferAsync(holders[3], holders[2], all);
            }
        }

        private string Fresh()
        {
            var address = "0x" + _random.NextInt64(1, long.MaxValue).ToString("x40", CultureInfo.InvariantCulture);
            Holders.Add(address);
            return address;
        }

        public async Task<string> SnapshotAsync() => (await node.Rpc.CallAsync("evm_snapshot", [])).GetString()!;

        public Task RevertAsync(string snapshot) => node.Rpc.CallAsync("evm_revert", [snapshot]);

        public ValueTask DisposeAsync() => node.DisposeAsync();
    }

    private async Task<string> StartErc20Async(Chain chain, string name, params (string, string)[] options)
    {
        var id = NewId(name);
        (string, string)[] all = [("rpc", chain.Node.HttpUrl), ("confirmations", "0"), ("from", "1"), ("intervalMs", "50"), ("address", chain.Token.Address), ("topic0", Erc20Token.TransferTopic0), .. options];
        await fixture.Manager.StartAsync(id, WorkerSpec.For("evm", all) with { Handler = PostgresCluster.Erc20Handler, MaxRestarts = 0 });
        return id;
    }

    private Task<WorkerInfo> WaitAsync(string id, Func<WorkerInfo, bool> condition, string what) =>
        Eventually.UntilAsync(
            () => fixture.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync(),
            condition,
            Deadline,
            i => $"{what}: worker '{id}' is {i.Status} at checkpoint {i.Checkpoint}, reorgs {i.Reorgs}, restarts {i.Restarts}, last error '{i.LastError}', last reorg '{i.LastReorg}'");

    /// <summary>The log seq of the one Transfer in block <paramref name="block"/> (every transfer here is a block's only log).</summary>
    private static long Seq(long block) => block * 1_000_000;

    private async Task AssertTablesAreTheChainsAsync(Chain chain, string id, long head)
    {
        var problem = await Erc20Tables.CheckAsync(fixture.ConnectionString, id, chain.Rpc, chain.Token, head, chain.Holders);
        Assert.True(problem is null, problem);
    }

    /// <summary>A fresh worker indexes the final chain; its rows must equal <paramref name="id"/>'s, row for row.</summary>
    private async Task AssertAFreshIndexIsTheSameAsync(Chain chain, string id, long head)
    {
        var fresh = await StartErc20Async(chain, "fresh");
        await WaitAsync(fresh, i => i.Checkpoint == Seq(head), $"the fresh index at block {head}");
        Assert.Equal(await Erc20Tables.RowsAsync(fixture.ConnectionString, fresh), await Erc20Tables.RowsAsync(fixture.ConnectionString, id));
        await fixture.Manager.StopAsync(fresh);
    }

    [Fact]
    public async Task Erc20_ReorgsOfDepth1To20WhileIndexingAtTheHead_EachUndone_TheTablesAreAFreshIndexOfTheFinalChain()
    {
        await using var chain = await Chain.StartAsync();
        var id = await StartErc20Async(chain, "head");
        for (var depth = 1; depth <= 20; depth++)
        {
            var fork = await chain.Rpc.BlockNumberAsync();
            var snapshot = await chain.SnapshotAsync();
            await chain.TransfersAsync(depth, emptyOne: depth % 2 == 1);
            var head = await chain.Rpc.BlockNumberAsync();
            await WaitAsync(id, i => i.Checkpoint == Seq(head), $"depth {depth}: indexed the old branch to block {head}");

            // The new branch: other transfers, one block longer than the old one.
            await chain.RevertAsync(snapshot);
            await chain.TransfersAsync((int)(head - fork) + 1, emptyOne: depth % 2 == 0);
            var newHead = await chain.Rpc.BlockNumberAsync();
            var after = await WaitAsync(id, i => i.Reorgs == depth && i.Checkpoint == Seq(newHead), $"depth {depth}: rolled back and at the new head {newHead}");
            Assert.Equal((WorkerStatus.Running, 0), (after.Status, after.Restarts));
            Assert.Contains($"common ancestor is block {fork}", after.LastReorg, StringComparison.Ordinal);
            await AssertTablesAreTheChainsAsync(chain, id, newHead);
        }

        await AssertAFreshIndexIsTheSameAsync(chain, id, await chain.Rpc.BlockNumberAsync());
        var stopped = await fixture.Manager.StopAsync(id);
        Assert.Equal((0, 20), (stopped.Restarts, stopped.Reorgs));
    }

    [Fact]
    public async Task Erc20_AReorgRightAfterCatchingUpFromABackfill_IsUndone_AndOneBelowFinality_Halts_KeepingTheRows()
    {
        // ponder#1319: a 2-block reorg right after the backfill emptied the tables. Here the backfill's batches straddle
        // the final block (finality 10): their final part is not journaled, the rest is.
        await using var chain = await Chain.StartAsync();
        await chain.TransfersAsync(40, emptyOne: true);
        var fork = await chain.Rpc.BlockNumberAsync() - 2;
        var id = await StartErc20Async(chain, "backfill", ("finality", "10"), ("batch", "25"));
        await WaitAsync(id, i => i.Checkpoint == Seq(fork + 2), $"caught up to block {fork + 2}");

        // Replaces the last two blocks; anvil's own reorg makes the new branch's blocks (no transfers in them).
        await chain.Rpc.ReorgWithTransferAsync(2, wei: 1);
        await chain.Rpc.MineAsync(1);
        var after = await WaitAsync(id, i => i.Reorgs == 1 && i.Checkpoint <= Seq(fork + 3), "rolled back the 2-block reorg");
        Assert.Equal((WorkerStatus.Running, 0), (after.Status, after.Restarts));
        await Eventually.UntilAsync(
            () => Erc20Tables.CheckAsync(fixture.ConnectionString, id, chain.Rpc, chain.Token, fork + 3, chain.Holders),
            problem => problem is null,
            Deadline,
            problem => $"the tables after the reorg right after the backfill: {problem}");
        Assert.NotEmpty(await Erc20Tables.RowsAsync(fixture.ConnectionString, id));

        // Deeper than finality (10 blocks): a halt at once, naming both hashes, with the rows kept as they were.
        var rows = await Erc20Tables.RowsAsync(fixture.ConnectionString, id);
        await chain.Rpc.ReorgAsync(14);
        await chain.Rpc.MineAsync(1);
        var halted = await WaitAsync(id, i => i.Status == WorkerStatus.Halted, "halted on a reorg below finality");
        Assert.Equal((HaltReason.Reorg, 0, 1), (halted.Halt!.Reason, halted.Restarts, halted.Reorgs));
        Assert.Contains("reorg below the finalized block", halted.LastError, StringComparison.Ordinal);
        Assert.Equal(rows, await Erc20Tables.RowsAsync(fixture.ConnectionString, id));
    }

    [Fact]
    public async Task Erc20_PostgresKilledMidRollback_TheRollbackIsRetriedWhole_TheTablesAreTheFinalChain()
    {
        await using var chain = await Chain.StartAsync();
        var id = await StartErc20Async(chain, "pgkill");
        var fork = await chain.Rpc.BlockNumberAsync();
        var snapshot = await chain.SnapshotAsync();
        await chain.TransfersAsync(6, emptyOne: true);
        var head = await chain.Rpc.BlockNumberAsync();
        await WaitAsync(id, i => i.Checkpoint == Seq(head), $"indexed the old branch to block {head}");

        // Hold a lock on a balance row the undo must restore: the old branch's last transfer emptied the last holder into
        // the third, so the undo, newest first, restores the emptied holder's row, then waits on the third's.
        await using var holder = new NpgsqlConnection(fixture.ConnectionString + ";Pooling=false");
        await holder.OpenAsync();
        var blocker = await holder.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM balances WHERE worker = $1 AND holder = $2 FOR UPDATE", holder, blocker))
        {
            lockRow.Parameters.Add(new() { Value = id });
            lockRow.Parameters.Add(new() { Value = chain.Holders[2] });
            Assert.NotNull(await lockRow.ExecuteScalarAsync());
        }

        await chain.RevertAsync(snapshot);
        await chain.TransfersAsync((int)(head - fork) + 1);
        var newHead = await chain.Rpc.BlockNumberAsync();
        await Eventually.UntilAsync(
            () => UndoWaitingOnALockAsync(),
            waiting => waiting,
            Deadline,
            _ => "the rollback's undo waiting on the test's row lock, part way through");

        await fixture.Postgres.KillAsync();
        await fixture.Postgres.StartAsync();
        NpgsqlConnection.ClearAllPools();

        var after = await WaitAsync(id, i => i.Reorgs >= 1 && i.Checkpoint == Seq(newHead), $"rolled back after the restart and at the new head {newHead}");
        Assert.Equal((WorkerStatus.Running, 0), (after.Status, after.Restarts));
        await AssertTablesAreTheChainsAsync(chain, id, newHead);
        await AssertAFreshIndexIsTheSameAsync(chain, id, newHead);
    }

    private async Task<long> JournalRowsAsync(string id)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM overseer_reorg_journal WHERE worker = $1", connection);
        count.Parameters.Add(new() { Value = id });
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private async Task<bool> UndoWaitingOnALockAsync()
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%overseer_undo%'", connection);
        return (long)(await query.ExecuteScalarAsync())! > 0;
    }

    [Fact]
    public async Task Erc20Follower_OfARawUpstreamThatRollsBack_RollsBackFromItsJournal_TheTablesAreTheFinalChain()
    {
        // A raw evm worker on the Redis stream output, and the sample's handler following it: the follower's batches carry
        // the upstream's final seq, so the follower journals the unfinalized blocks' rows and undoes them with it.
        await using var chain = await Chain.StartAsync();
        var raw = NewId("raw");
        (string, string)[] options = [("rpc", chain.Node.HttpUrl), ("confirmations", "0"), ("from", "1"), ("intervalMs", "50"), ("address", chain.Token.Address), ("topic0", Erc20Token.TransferTopic0)];
        await fixture.Manager.StartAsync(raw, WorkerSpec.For("evm", options) with { MaxRestarts = 0 });
        var follower = NewId("follower");
        await fixture.Manager.StartAsync(follower, WorkerSpec.For("stream", ("upstream", raw), ("maxWaitMs", "200")) with { Handler = PostgresCluster.Erc20Handler, MaxRestarts = 0 });

        var fork = await chain.Rpc.BlockNumberAsync();
        var snapshot = await chain.SnapshotAsync();
        await chain.TransfersAsync(5, emptyOne: true);
        var head = await chain.Rpc.BlockNumberAsync();
        await WaitAsync(follower, i => i.Checkpoint == Seq(head), $"the follower at block {head}");
        Assert.True(await JournalRowsAsync(follower) > 0, $"follower '{follower}' journaled none of its rows of unfinalized blocks");

        await chain.RevertAsync(snapshot);
        await chain.TransfersAsync((int)(head - fork) + 1);
        var newHead = await chain.Rpc.BlockNumberAsync();
        await WaitAsync(raw, i => i.Reorgs == 1 && i.Checkpoint == Seq(newHead), $"the upstream rolled back and at block {newHead}");
        var after = await WaitAsync(follower, i => i.Reorgs == 1 && i.Checkpoint == Seq(newHead), $"the follower rolled back with it and at block {newHead}");
        Assert.Equal((WorkerStatus.Running, 0), (after.Status, after.Restarts));
        await AssertTablesAreTheChainsAsync(chain, follower, newHead);
        await AssertAFreshIndexIsTheSameAsync(chain, follower, newHead);
    }

    [Fact]
    public async Task Reorg_HandlerWithARewindHookButNoJournaledTables_RollsBackThroughTheHook()
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        await node.Rpc.MineAsync(10);
        var id = NewId("hook");
        await fixture.Manager.StartAsync(id, WorkerSpec.For("evm", ("rpc", node.HttpUrl), ("confirmations", "0"), ("from", "1"), ("intervalMs", "50")) with
        {
            Handler = RecordingHandler.Name,
            MaxRestarts = 0,
        });
        await WaitAsync(id, i => i.Checkpoint == 10, "at the head 10");
        var replaced = await RecordingHandler.PayloadsAsync(fixture.ConnectionString, id);

        await node.Rpc.ReorgWithTransferAsync(3, wei: 1);
        await node.Rpc.MineAsync(1);

        var after = await WaitAsync(id, i => i.Reorgs == 1 && i.Checkpoint == 11, "rolled back through the rewind hook and at the new head 11");
        Assert.Equal((WorkerStatus.Running, 0), (after.Status, after.Restarts));
        var payloads = await RecordingHandler.PayloadsAsync(fixture.ConnectionString, id);
        Assert.Equal(Enumerable.Range(1, 11).Select(n => (long)n), payloads.Select(p => p.Seq));
        Assert.Equal(replaced.Take(7), payloads.Take(7));
        Assert.All(Enumerable.Range(7, 3), i => Assert.NotEqual(replaced[i].Payload, payloads[i].Payload));
    }

    [Fact]
    public async Task Reorg_HandlerWithNeitherJournaledTablesNorARewindHook_HaltsNamingWhy_AndKeepsTheOldChainsRows()
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        await node.Rpc.MineAsync(10);
        var id = NewId("hookless");
        await fixture.Manager.StartAsync(id, WorkerSpec.For("evm", ("rpc", node.HttpUrl), ("confirmations", "0"), ("from", "1"), ("intervalMs", "50")) with
        {
            Handler = HooklessHandler.Name,
            MaxRestarts = 0,
        });
        await WaitAsync(id, i => i.Checkpoint == 10, "at the head 10");

        await node.Rpc.ReorgWithTransferAsync(3, wei: 1);
        await node.Rpc.MineAsync(1);

        var halted = await WaitAsync(id, i => i.Status == WorkerStatus.Halted, "Halted on a reorg its handler cannot undo");
        output.WriteLine(halted.LastError);
        Assert.Equal((0, 0, 10L, HaltReason.Reorg), (halted.Restarts, halted.Reorgs, halted.Checkpoint, halted.Halt!.Reason));
        Assert.Contains("reorg of depth 3: block 10 was ", halted.LastError, StringComparison.Ordinal);
        Assert.Contains("cannot roll back to 7: handler 'record-no-rewind' declares no journaled tables (JournaledTables) and has no rewind hook (IRewindableHandler)", halted.LastError, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(1, 10).Select(n => (long)n), await RecordingHandler.SeqsAsync(fixture.ConnectionString, id));

        // The commands for other halts refuse, naming this one and its way out.
        var skip = await Assert.ThrowsAsync<OverseerException>(() => fixture.Manager.SkipAsync(id, null, "ops@test"));
        Assert.StartsWith($"worker '{id}' is not halted at a poison event: it halted at seq 10 on a reorg it cannot roll back (reorg of depth 3", skip.Message, StringComparison.Ordinal);
        Assert.EndsWith("rewind it to before the fork, then resume it", skip.Message, StringComparison.Ordinal);
    }
}
