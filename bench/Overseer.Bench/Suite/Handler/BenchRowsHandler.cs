using Npgsql;
using NpgsqlTypes;
using Overseer.Handlers;

namespace Overseer.Bench.Suite.Handler;

/// <summary>The <c>handler</c> scenario's handler: one row per event (worker, seq, payload), the whole batch in one
/// <c>INSERT … SELECT … FROM unnest(…)</c> through the transaction Overseer opened. The bare baseline
/// (<see cref="NpgsqlBaseline"/>) sends the same statement to a table of the same shape.</summary>
internal sealed class BenchRowsHandler : IPostgresHandler
{
    public const string Name = "bench-rows";

    public const string CreateTable = """
        CREATE TABLE IF NOT EXISTS bench_rows (
            worker  text   NOT NULL,
            seq     bigint NOT NULL,
            payload text   NOT NULL,
            PRIMARY KEY (worker, seq)
        )
        """;

    public const string Insert = "INSERT INTO bench_rows (worker, seq, payload) SELECT $1, seq, payload FROM unnest($2::bigint[], $3::text[]) AS t(seq, payload)";

    public async Task EnsureSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(CreateTable, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task HandleAsync(HandlerBatch batch, PostgresHandlerContext context, CancellationToken cancellationToken)
    {
        var (seqs, payloads) = (new long[batch.Events.Count], new string[batch.Events.Count]);
        for (var i = 0; i < seqs.Length; i++)
        {
            (seqs[i], payloads[i]) = (batch.Events[i].Seq, batch.Events[i].Payload);
        }

        await using var command = InsertCommand(context.Connection, context.Transaction, batch.WorkerId, seqs, payloads);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The one statement of a batch, for ours and the baseline alike.</summary>
    public static NpgsqlCommand InsertCommand(NpgsqlConnection connection, NpgsqlTransaction transaction, string worker, long[] seqs, string[] payloads) =>
        new(Insert, connection, transaction)
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = worker, NpgsqlDbType = NpgsqlDbType.Text },
                new NpgsqlParameter<long[]> { TypedValue = seqs, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                new NpgsqlParameter<string[]> { TypedValue = payloads, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
            },
        };
}
