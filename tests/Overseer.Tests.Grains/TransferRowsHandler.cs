using System.Numerics;
using Erc20Indexer;
using Npgsql;
using NpgsqlTypes;
using Overseer.Handlers;

namespace Overseer.Tests.Grains;

/// <summary>A PostgreSQL handler over ERC-20 Transfer logs (an <c>evm</c> worker in logs mode, or a <c>stream</c>
/// follower of one), for tests of a handler change: one row of <c>transfer_rows</c> per Transfer (primary key worker +
/// seq, so a second write of a seq fails loudly). Option <c>mints</c> is the change: <c>include</c> (the default, the
/// "old code") writes every Transfer, <c>exclude</c> (the "new code") leaves out mints, the Transfers from the zero
/// address. Logs are decoded by the sample's own decoder (<see cref="TransferLog"/>); its rewind hook deletes the rows
/// after the target.</summary>
public sealed class TransferRowsHandler : IRewindableHandler
{
    public const string Name = "transfer-rows";
    public const string Table = "transfer_rows";

    private static readonly string[] MintsValues = ["include", "exclude"];

    public IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> options) =>
        [.. options.Select(o => o.Key != "mints"
                ? $"unknown handler option '{o.Key}' for handler {Name}: valid options are mints"
                : MintsValues.Contains(o.Value, StringComparer.Ordinal) ? null
                : $"invalid handler option mints='{o.Value}' for handler {Name}: expected {string.Join(" or ", MintsValues)}")
            .OfType<string>()];

    public async Task EnsureSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var create = new NpgsqlCommand(
            $"""
            CREATE TABLE IF NOT EXISTS {Table} (
                worker text NOT NULL, seq bigint NOT NULL, tx text NOT NULL, from_address text NOT NULL, to_address text NOT NULL,
                value numeric(78,0) NOT NULL, PRIMARY KEY (worker, seq))
            """,
            connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task HandleAsync(HandlerBatch batch, PostgresHandlerContext context, CancellationToken cancellationToken)
    {
        var excludeMints = batch.Options.GetValueOrDefault("mints", "include") == "exclude";
        var rows = batch.Events
            .Select(e => (e.Seq, Transfer: TransferLog.Decode(batch.WorkerId, e.Seq, e.Payload)))
            .Where(r => r.Transfer is { } t && !(excludeMints && t.From == TransferLog.ZeroAddress))
            .Select(r => new TransferRow(r.Seq, r.Transfer!.Transaction, r.Transfer.From, r.Transfer.To, r.Transfer.Value))
            .ToArray();
        if (rows.Length == 0)
        {
            return;
        }

        await using var insert = new NpgsqlCommand(
            $"INSERT INTO {Table} (worker, seq, tx, from_address, to_address, value) SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::numeric[])",
            context.Connection,
            context.Transaction);
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = batch.WorkerId });
        insert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.Seq)] });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Transaction)] });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.From)] });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.To)] });
        insert.Parameters.Add(new NpgsqlParameter<BigInteger[]> { TypedValue = [.. rows.Select(r => r.Value)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Numeric });
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RewindAsync(long toSeq, PostgresHandlerContext context, CancellationToken cancellationToken)
    {
        await using var delete = new NpgsqlCommand($"DELETE FROM {Table} WHERE worker = $1 AND seq > $2", context.Connection, context.Transaction);
        delete.Parameters.Add(new NpgsqlParameter<string> { TypedValue = context.WorkerId });
        delete.Parameters.Add(new NpgsqlParameter<long> { TypedValue = toSeq });
        await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The rows written for <paramref name="worker"/>, in seq order.</summary>
    public static async Task<List<TransferRow>> RowsAsync(string connectionString, string worker)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var select = new NpgsqlCommand($"SELECT seq, tx, from_address, to_address, value FROM {Table} WHERE worker = $1 ORDER BY seq", connection);
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = worker });
        await using var reader = await select.ExecuteReaderAsync();
        var rows = new List<TransferRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new TransferRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<BigInteger>(4)));
        }

        return rows;
    }
}
