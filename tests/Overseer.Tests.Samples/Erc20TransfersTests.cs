using System.Numerics;
using Erc20Indexer;
using Npgsql;
using Overseer.Handlers;
using Overseer.Sources;
using Overseer.Testing;

namespace Overseer.Tests.Samples;

/// <summary>The sample's handler against a real PostgreSQL: each test in a schema of its own (dropped afterwards), each
/// batch and rewind in a transaction of the test's, committed as Overseer's PostgreSQL output would.</summary>
public sealed class Erc20TransfersTests(PostgresFixture postgres) : IAsyncLifetime, IClassFixture<PostgresFixture>
{
    private const string Token = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
    private const string A = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
    private const string B = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";
    private const string C = "0x90f79bf6eb2c4f870365e785982e1f101e93b906";
    private const string Zero = TransferLog.ZeroAddress;

    private static readonly Dictionary<string, string> NoOptions = [];
    private readonly Erc20Transfers handler = new();
    private readonly string schema = "erc20_test_" + Guid.NewGuid().ToString("N");
    private NpgsqlDataSource? database;

    private NpgsqlDataSource Database => database ?? throw new InvalidOperationException("InitializeAsync has not run");

    public async Task InitializeAsync()
    {
        database = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { SearchPath = schema }.ConnectionString);
        await using var create = Database.CreateCommand($"CREATE SCHEMA {schema}");
        await create.ExecuteNonQueryAsync();
        await using var connection = await Database.OpenConnectionAsync();
        await handler.EnsureSchemaAsync(connection, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (database is not null)
        {
            await using var drop = database.CreateCommand($"DROP SCHEMA {schema} CASCADE");
            await drop.ExecuteNonQueryAsync();
            await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task HandleAsync_MintAndTransfers_WritesEachTransferAndNetBalances()
    {
        var big = (BigInteger.One << 256) - 1;

        await HandleAsync("w", Transfer(10, 0, Zero, A, 100), Transfer(10, 3, A, B, 30), Transfer(11, 0, B, C, 30), Transfer(12, 1, Zero, B, big));

        Assert.Equal(
            [(10_000_000L, Zero, A, new BigInteger(100)), (10_000_003L, A, B, new BigInteger(30)), (11_000_000L, B, C, new BigInteger(30)), (12_000_001L, Zero, B, big)],
            await TransfersAsync("w"));
        // B went to 30 and back to 0 within the batch before the mint: one row, the mint's; the zero address has none.
        Assert.Equal(new Dictionary<string, BigInteger> { [A] = 70, [B] = big, [C] = 30 }, await BalancesAsync("w"));
    }

    [Fact]
    public async Task HandleAsync_HolderBackToZero_HasNoBalanceRow()
    {
        await HandleAsync("w", Transfer(1, 0, Zero, A, 5));

        await HandleAsync("w", Transfer(2, 0, A, B, 5));

        Assert.Equal(new Dictionary<string, BigInteger> { [B] = 5 }, await BalancesAsync("w"));
    }

    [Fact]
    public async Task HandleAsync_SeqAlreadyWritten_FailsAndChangesNothing()
    {
        await HandleAsync("w", Transfer(1, 0, Zero, A, 5));

        var error = await Assert.ThrowsAsync<PostgresException>(() => HandleAsync("w", Transfer(1, 0, Zero, A, 5)));

        Assert.Equal(PostgresErrorCodes.UniqueViolation, error.SqlState);
        Assert.Equal(new Dictionary<string, BigInteger> { [A] = 5 }, await BalancesAsync("w"));
    }

    [Fact]
    public async Task HandleAsync_TwoWorkers_KeepTheirOwnRows()
    {
        await HandleAsync("usdc", Transfer(1, 0, Zero, A, 5));
        await HandleAsync("dai", Transfer(1, 0, Zero, A, 7), Transfer(2, 0, A, B, 7));

        Assert.Equal(new Dictionary<string, BigInteger> { [A] = 5 }, await BalancesAsync("usdc"));
        Assert.Equal(new Dictionary<string, BigInteger> { [B] = 7 }, await BalancesAsync("dai"));
        Assert.Single(await TransfersAsync("usdc"));
        Assert.Equal(2, (await TransfersAsync("dai")).Count);
    }

    [Fact]
    public async Task HandleAsync_OtherEventsOfTheToken_AreSkipped()
    {
        await HandleAsync("w", EvmPayloads.Approval(1, 0, Token, A, B), Transfer(1, 1, Zero, A, 5), EvmPayloads.Approval(2, 0, Token, A, B));

        Assert.Equal([(1_000_001L, Zero, A, new BigInteger(5))], await TransfersAsync("w"));
    }

    [Fact]
    public async Task HandleAsync_MalformedTransferInTheBatch_ThrowsAndWritesNothing()
    {
        var erc721 = new SourceEvent(2_000_000, Transfer(2, 0, A, B, 1).Payload.Replace("\"],\"data\"", "\",\"0x" + new string('0', 63) + "1\"],\"data\"", StringComparison.Ordinal));

        var error = await Assert.ThrowsAsync<FormatException>(() => HandleAsync("w", Transfer(1, 0, Zero, A, 5), erc721));

        Assert.StartsWith("worker 'w', seq 2000000: topics has 4 entries", error.Message, StringComparison.Ordinal);
        Assert.Empty(await TransfersAsync("w"));
        Assert.Empty(await BalancesAsync("w"));
    }

    [Fact]
    public async Task RewindAsync_ToAnEarlierSeq_LeavesExactlyWhatTheEarlierBatchesWrote()
    {
        await HandleAsync("w", Transfer(1, 0, Zero, A, 100), Transfer(1, 1, A, B, 40));
        await HandleAsync("other", Transfer(1, 0, Zero, A, 9));
        var transfers = await TransfersAsync("w");
        var balances = await BalancesAsync("w");
        // Later: A sends everything away (its row goes), C appears, B moves twice.
        await HandleAsync("w", Transfer(2, 0, A, C, 60), Transfer(2, 1, B, C, 40), Transfer(3, 0, C, B, 1));

        await RewindAsync("w", 1_000_001);

        Assert.Equal(transfers, await TransfersAsync("w"));
        Assert.Equal(balances, await BalancesAsync("w"));
        Assert.Equal(new Dictionary<string, BigInteger> { [A] = 9 }, await BalancesAsync("other"));
    }

    [Fact]
    public async Task RewindAsync_ToZero_RemovesEveryRowOfTheWorkerOnly()
    {
        await HandleAsync("w", Transfer(1, 0, Zero, A, 100), Transfer(2, 0, A, B, 40));
        await HandleAsync("other", Transfer(1, 0, Zero, A, 9));

        await RewindAsync("w", 0);

        Assert.Empty(await TransfersAsync("w"));
        Assert.Empty(await BalancesAsync("w"));
        Assert.Equal(new Dictionary<string, BigInteger> { [A] = 9 }, await BalancesAsync("other"));
    }

    [Fact]
    public async Task EnsureSchemaAsync_FromFourConnectionsAtOnce_Succeeds()
    {
        await using var drop = Database.CreateCommand("DROP TABLE transfers, balances");
        await drop.ExecuteNonQueryAsync();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            await using var connection = await Database.OpenConnectionAsync();
            await handler.EnsureSchemaAsync(connection, CancellationToken.None);
        }));

        await HandleAsync("w", Transfer(1, 0, Zero, A, 1));
        Assert.Equal(new Dictionary<string, BigInteger> { [A] = 1 }, await BalancesAsync("w"));
    }

    [Fact]
    public async Task HandleAsync_LogsOfARealToken_BalancesEqualBalanceOf()
    {
        await using var anvil = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        var token = await Erc20Token.DeployAsync(anvil.Rpc);
        var accounts = (await anvil.Rpc.AccountsAsync()).Select(x => x.ToLowerInvariant()).ToArray();
        await token.MintAsync(accounts[1], 1_000);
        await token.MintAsync(accounts[2], 500);
        await token.TransferAsync(accounts[1], accounts[3], 400);
        await token.TransferAsync(accounts[2], accounts[1], 500);
        await token.TransferAsync(accounts[3], accounts[4], 400);
        var events = (await token.TransferLogsAsync(0, await anvil.Rpc.BlockNumberAsync())).Select(EvmPayloads.From).ToArray();

        await HandleAsync("anvil", events[..2]);
        await HandleAsync("anvil", events[2..]);

        var expected = new Dictionary<string, BigInteger>();
        foreach (var holder in accounts[1..5])
        {
            if (await token.BalanceOfAsync(holder) is { IsZero: false } balance)
            {
                expected[holder] = balance;
            }
        }

        Assert.Equal(expected, await BalancesAsync("anvil", token.Address));
        Assert.Equal(await token.TotalSupplyAsync(), expected.Values.Aggregate(BigInteger.Zero, (sum, v) => sum + v));
    }

    private static SourceEvent Transfer(long block, long logIndex, string from, string to, BigInteger value) =>
        EvmPayloads.Transfer(block, logIndex, Token, from, to, value);

    private async Task HandleAsync(string worker, params SourceEvent[] events)
    {
        await using var connection = await Database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await handler.HandleAsync(new HandlerBatch(worker, events, NoOptions), new PostgresHandlerContext(worker, NoOptions, connection, transaction), CancellationToken.None);
        await transaction.CommitAsync();
    }

    private async Task RewindAsync(string worker, long toSeq)
    {
        await using var connection = await Database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await handler.RewindAsync(toSeq, new PostgresHandlerContext(worker, NoOptions, connection, transaction), CancellationToken.None);
        await transaction.CommitAsync();
    }

    private async Task<List<(long Seq, string From, string To, BigInteger Value)>> TransfersAsync(string worker)
    {
        await using var command = Database.CreateCommand("SELECT seq, block, log_index, from_address, to_address, value FROM transfers WHERE worker = $1 ORDER BY seq");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = worker });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(long, string, string, BigInteger)>();
        while (await reader.ReadAsync())
        {
            var seq = reader.GetInt64(0);
            Assert.Equal(seq, (reader.GetInt64(1) * 1_000_000) + reader.GetInt32(2));
            rows.Add((seq, reader.GetString(3), reader.GetString(4), reader.GetFieldValue<BigInteger>(5)));
        }

        return rows;
    }

    private async Task<Dictionary<string, BigInteger>> BalancesAsync(string worker, string token = Token)
    {
        await using var command = Database.CreateCommand("SELECT holder, balance FROM balances WHERE worker = $1 AND token = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = worker });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = token });
        await using var reader = await command.ExecuteReaderAsync();
        var balances = new Dictionary<string, BigInteger>();
        while (await reader.ReadAsync())
        {
            balances.Add(reader.GetString(0), reader.GetFieldValue<BigInteger>(1));
        }

        return balances;
    }
}
