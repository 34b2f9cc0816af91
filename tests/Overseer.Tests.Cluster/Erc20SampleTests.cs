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

namespace Overseer.Tests.Cluster;

/// <summary>
/// The sample end to end, as a user runs it: two silos of the sample's own host (built against the packages) index a
/// live token on anvil into PostgreSQL while transfers keep coming; the silo running the worker is killed with
/// SIGKILL, and so, later, is PostgreSQL. The indexed tables must then equal the chain exactly.
/// </summary>
public sealed class Erc20SampleTests(Erc20SampleHost sample, ITestOutputHelper output) : IClassFixture<Erc20SampleHost>
{
    private const int Minted = 1_000;

    // Bounds the background transfers (about one a second per sender); the test stops them long before.
    private const int MaxTransfersPerSender = 120;

    // Every seventh transfer asks for more than the whole supply: it reverts and must leave no row.
    private const int RevertEvery = 7;

    private static readonly TimeSpan PhaseTimeout = TimeSpan.FromSeconds(60);

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
            var spec = WorkerSpec.For(
                "evm",
                ("rpc", node.HttpUrl),
                ("address", token.Address),
                ("topic0", Erc20Token.TransferTopic0),
                ("from", "1"),
                ("confirmations", "0"),
                ("intervalMs", "200")) with { Handler = "erc20" };
            await client.StartAsync(id, spec);

            // Act 2: kill -9 the silo running the worker once it has committed, and start a replacement so that two stay up.
            var running = await Eventually.UntilAsync(
                async () => (Info: await client.GetStatusAsync(id), Cursor: await CursorAsync(database, id)),
                s => s.Info.Status == WorkerStatus.Running && s.Info.Silo is not null && s.Cursor > 0,
                PhaseTimeout,
                s => $"before the silo kill: worker {id} running on a silo with a committed cursor in overseer_cursors, was {s.Info.Status} on {s.Info.Silo} at cursor {s.Cursor} (last error: {s.Info.LastError}){Environment.NewLine}{cluster.LogTails()}");
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

    /// <summary>The worker's committed cursor in <c>overseer_cursors</c> (0 before its first commit); throws while the
    /// table does not exist or PostgreSQL is down, which <see cref="Eventually"/> counts as "not yet".</summary>
    private static async Task<long> CursorAsync(string database, string workerId)
    {
        await using var connection = await OpenAsync(database);
        await using var command = new NpgsqlCommand("SELECT checkpoint FROM overseer_cursors WHERE worker = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workerId });
        return await command.ExecuteScalarAsync() is long checkpoint ? checkpoint : 0;
    }

    private static async Task<List<IndexedTransfer>> TransfersAsync(string database, string workerId)
    {
        await using var connection = await OpenAsync(database);
        await using var command = new NpgsqlCommand(
            "SELECT seq, block, log_index, tx, from_address, to_address, value FROM transfers WHERE worker = $1 ORDER BY seq", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workerId });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<IndexedTransfer>();
        while (await reader.ReadAsync())
        {
            rows.Add(new IndexedTransfer(
                reader.GetInt64(0), reader.GetInt64(1), reader.GetInt32(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetFieldValue<BigInteger>(6)));
        }

        return rows;
    }

    private static async Task<Dictionary<string, BigInteger>> BalancesAsync(string database, string workerId, string token)
    {
        await using var connection = await OpenAsync(database);
        await using var command = new NpgsqlCommand("SELECT holder, balance FROM balances WHERE worker = $1 AND token = $2", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workerId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = token });
        await using var reader = await command.ExecuteReaderAsync();
        var balances = new Dictionary<string, BigInteger>();
        while (await reader.ReadAsync())
        {
            balances.Add(reader.GetString(0), reader.GetFieldValue<BigInteger>(1));
        }

        return balances;
    }

    // Not pooled: a pooled connection would outlive the PostgreSQL kill and fail the next read.
    private static async Task<NpgsqlConnection> OpenAsync(string database)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database) { Pooling = false, Timeout = 3, CommandTimeout = 5 }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static string Render(IEnumerable<KeyValuePair<string, BigInteger>> balances) =>
        string.Join(", ", balances.OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => $"{b.Key}={b.Value}"));

    /// <summary>A transfer transaction the test sent, and whether it succeeded (status 0x1) or reverted.</summary>
    private sealed record SentTransfer(string Hash, bool Succeeded)
    {
        public static SentTransfer From(JsonElement receipt) =>
            new(receipt.GetProperty("transactionHash").GetString()!.ToLowerInvariant(), receipt.GetProperty("status").GetString() == "0x1");
    }

    /// <summary>One Transfer, as a row of <c>transfers</c> or as a log from <c>eth_getLogs</c>.</summary>
    private sealed record IndexedTransfer(long Seq, long Block, int LogIndex, string Tx, string From, string To, BigInteger Value)
    {
        public static IndexedTransfer FromLog(JsonElement log)
        {
            var block = EvmRpc.Number(log.GetProperty("blockNumber").GetString()!);
            var logIndex = (int)EvmRpc.Number(log.GetProperty("logIndex").GetString()!);
            var topics = log.GetProperty("topics").EnumerateArray().Select(t => t.GetString()!.ToLowerInvariant()).ToArray();
            return new IndexedTransfer(
                (block * 1_000_000) + logIndex,
                block,
                logIndex,
                log.GetProperty("transactionHash").GetString()!.ToLowerInvariant(),
                "0x" + topics[1][^40..],
                "0x" + topics[2][^40..],
                BigInteger.Parse("0" + log.GetProperty("data").GetString()![2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
        }

        public override string ToString() => $"{Block}/{LogIndex} {Tx[..10]}… {From[..8]}…→{To[..8]}… {Value}";
    }
}
