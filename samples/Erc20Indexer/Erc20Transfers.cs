using Npgsql;
using NpgsqlTypes;
using Overseer.Handlers;

namespace Erc20Indexer;

/// <summary>Indexes ERC-20 Transfer logs (a worker on the <c>evm</c> source in logs mode) into two tables of this team's
/// PostgreSQL database: <c>transfers</c>, one row per Transfer, and <c>balances</c>, each holder's balance as those
/// transfers add up. Overseer commits each batch's rows with the worker's cursor in one transaction, so every Transfer
/// counts exactly once, across crashes and restarts.</summary>
/// <remarks>
/// <para>The worker id is part of every key, so several workers (one per token, or per chain) share the tables.</para>
/// <para>Balances are sums of the indexed transfers: they equal <c>balanceOf</c> when the worker starts at or before the
/// token's deployment block. The zero address holds nothing (a mint changes only the receiver, a burn only the
/// sender), and a holder whose balance is 0 has no row.</para>
/// <para>Logs of the token that are not Transfers are skipped; a log with Transfer's topic0 but not an ERC-20 Transfer's
/// shape (an ERC-721 Transfer has a fourth topic) fails the batch with a message naming the worker, the seq and the
/// field: it is a worker pointed at the wrong contract, which no retry fixes.</para>
/// </remarks>
public sealed class Erc20Transfers : IRewindableHandler
{
    private const string Zero = TransferLog.ZeroAddress;

    // One command of three statements, which Npgsql sends as one batch and PostgreSQL runs in one implicit transaction:
    // the advisory lock stops two silos creating the tables at once, which PostgreSQL can fail with a unique violation in
    // its catalog despite IF NOT EXISTS.
    private const string CreateSchema = """
        SELECT pg_advisory_xact_lock(hashtext('Erc20Indexer schema'));
        CREATE TABLE IF NOT EXISTS transfers (
            worker       text          NOT NULL,
            seq          bigint        NOT NULL,
            block        bigint        NOT NULL,
            log_index    int           NOT NULL,
            tx           text          NOT NULL,
            token        text          NOT NULL,
            from_address text          NOT NULL,
            to_address   text          NOT NULL,
            value        numeric(78,0) NOT NULL,
            PRIMARY KEY (worker, seq)
        );
        CREATE TABLE IF NOT EXISTS balances (
            worker  text          NOT NULL,
            token   text          NOT NULL,
            holder  text          NOT NULL,
            balance numeric(78,0) NOT NULL,
            PRIMARY KEY (worker, token, holder)
        );
        """;

    // One statement for the whole batch: the rows arrive as arrays ($2…$9) and unnest into transfers; the balance changes
    // are summed per holder first, because one INSERT … ON CONFLICT may not update a row twice. A transfer row that
    // already exists fails the statement (and the batch): each seq is written once.
    private const string InsertTransfers = $"""
        WITH batch AS (
            SELECT * FROM unnest($2::bigint[], $3::bigint[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::numeric[])
                AS t(seq, block, log_index, tx, token, from_address, to_address, value)
        ), inserted AS (
            INSERT INTO transfers (worker, seq, block, log_index, tx, token, from_address, to_address, value)
            SELECT $1, seq, block, log_index, tx, token, from_address, to_address, value FROM batch
        ), changes AS (
            SELECT token, from_address AS holder, -value AS change FROM batch WHERE from_address <> '{Zero}'
            UNION ALL
            SELECT token, to_address, value FROM batch WHERE to_address <> '{Zero}'
        )
        INSERT INTO balances AS b (worker, token, holder, balance)
        SELECT $1, token, holder, sum(change) FROM changes GROUP BY token, holder
        ON CONFLICT (worker, token, holder) DO UPDATE SET balance = b.balance + excluded.balance
        """;

    // A second statement, because one statement cannot see its own upsert: the holders this batch brought to 0.
    private const string DropZeroBalances = """
        DELETE FROM balances WHERE worker = $1 AND token = ANY($2) AND holder = ANY($3) AND balance = 0
        """;

    // The inverse of InsertTransfers for every transfer above the seq: deleted, and each holder's change taken back
    // (an upsert: a holder at 0 has no row).
    private const string RemoveTransfers = $"""
        WITH removed AS (
            DELETE FROM transfers WHERE worker = $1 AND seq > $2
            RETURNING token, from_address, to_address, value
        ), changes AS (
            SELECT token, from_address AS holder, value AS change FROM removed WHERE from_address <> '{Zero}'
            UNION ALL
            SELECT token, to_address, -value FROM removed WHERE to_address <> '{Zero}'
        )
        INSERT INTO balances AS b (worker, token, holder, balance)
        SELECT $1, token, holder, sum(change) FROM changes GROUP BY token, holder
        ON CONFLICT (worker, token, holder) DO UPDATE SET balance = b.balance + excluded.balance
        """;

    // Rewinds are rare operator actions, so this reads the worker's balances whole rather than carrying the holders over.
    private const string DropWorkerZeroBalances = "DELETE FROM balances WHERE worker = $1 AND balance = 0";

    /// <summary>Both tables, for reorgs at the head (<c>confirmations=0</c>): Overseer journals the before-image of every
    /// row a batch of unfinalized blocks changes, and undoes them when a reorg takes those blocks back.</summary>
    public IReadOnlyList<string> JournaledTables => ["transfers", "balances"];

    /// <summary>This handler takes no options: any <c>--handler-option</c> is refused at start.</summary>
    public IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> options) =>
        [.. options.Select(o => $"unknown handler option '{o.Key}={o.Value}': the erc20 handler (Erc20Transfers) takes no options")];

    public async Task EnsureSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(CreateSchema, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Writes the batch's transfers and balance changes in one round trip (two statements in one batch).</summary>
    public async Task HandleAsync(HandlerBatch batch, PostgresHandlerContext context, CancellationToken cancellationToken)
    {
        var seqs = new List<long>(batch.Events.Count);
        var transfers = new List<TransferLog>(batch.Events.Count);
        foreach (var e in batch.Events)
        {
            if (TransferLog.Decode(batch.WorkerId, e.Seq, e.Payload) is { } transfer)
            {
                seqs.Add(e.Seq);
                transfers.Add(transfer);
            }
        }

        if (transfers.Count == 0)
        {
            return;
        }

        string[] tokens = [.. transfers.Select(t => t.Token).Distinct()];
        string[] holders = [.. transfers.SelectMany(t => new[] { t.From, t.To }).Distinct()];
        await using var sql = new NpgsqlBatch(context.Connection, context.Transaction)
        {
            BatchCommands =
            {
                Command(
                    InsertTransfers,
                    Text(batch.WorkerId),
                    Array([.. seqs], NpgsqlDbType.Bigint),
                    Array(transfers.Select(t => t.Block).ToArray(), NpgsqlDbType.Bigint),
                    Array(transfers.Select(t => t.LogIndex).ToArray(), NpgsqlDbType.Integer),
                    Array(transfers.Select(t => t.Transaction).ToArray(), NpgsqlDbType.Text),
                    Array(transfers.Select(t => t.Token).ToArray(), NpgsqlDbType.Text),
                    Array(transfers.Select(t => t.From).ToArray(), NpgsqlDbType.Text),
                    Array(transfers.Select(t => t.To).ToArray(), NpgsqlDbType.Text),
                    Array(transfers.Select(t => t.Value).ToArray(), NpgsqlDbType.Numeric)),
                Command(DropZeroBalances, Text(batch.WorkerId), Array(tokens, NpgsqlDbType.Text), Array(holders, NpgsqlDbType.Text)),
            },
        };
        await sql.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Removes the worker's transfers above <paramref name="toSeq"/> and takes back their balance changes, in
    /// the transaction that moves its cursor back (one round trip).</summary>
    public async Task RewindAsync(long toSeq, PostgresHandlerContext context, CancellationToken cancellationToken)
    {
        await using var sql = new NpgsqlBatch(context.Connection, context.Transaction)
        {
            BatchCommands =
            {
                Command(RemoveTransfers, Text(context.WorkerId), new NpgsqlParameter<long> { TypedValue = toSeq }),
                Command(DropWorkerZeroBalances, Text(context.WorkerId)),
            },
        };
        await sql.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlBatchCommand Command(string text, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(text);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter<T[]> Array<T>(T[] values, NpgsqlDbType elementType) =>
        new() { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | elementType };
}
