using Npgsql;
using NpgsqlTypes;
using Overseer.Handlers;

namespace Overseer.Drill.Host;

/// <summary>The drill's PostgreSQL handler: one row per event in <c>drill_rows</c>, written in the transaction that
/// advances the worker's cursor. The table has no key on purpose: an event applied twice shows as two rows, which the
/// drill's checker counts, instead of a unique violation that would hide it as a crash.</summary>
public sealed class DrillRows : IRewindableHandler
{
    /// <summary>The name the drill's workers give <c>--handler</c>.</summary>
    public const string Name = "drill-rows";

    private const string CreateSchema = """
        SELECT pg_advisory_xact_lock(hashtext('Overseer drill schema'));
        CREATE TABLE IF NOT EXISTS drill_rows (worker text NOT NULL, seq bigint NOT NULL, payload text NOT NULL);
        CREATE INDEX IF NOT EXISTS drill_rows_worker_seq ON drill_rows (worker, seq);
        """;

    private const string Insert = "INSERT INTO drill_rows (worker, seq, payload) SELECT $1, s, p FROM unnest($2::bigint[], $3::text[]) AS t(s, p)";

    private const string Remove = "DELETE FROM drill_rows WHERE worker = $1 AND seq > $2";

    public IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> options) =>
        [.. options.Select(o => $"unknown handler option '{o.Key}={o.Value}': the {Name} handler takes no options")];

    public async Task EnsureSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(CreateSchema, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task HandleAsync(HandlerBatch batch, PostgresHandlerContext context, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Insert, context.Connection, context.Transaction)
        {
            Parameters =
            {
                new() { Value = batch.WorkerId },
                new() { Value = batch.Events.Select(e => e.Seq).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                new() { Value = batch.Events.Select(e => e.Payload).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
            },
        };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RewindAsync(long toSeq, PostgresHandlerContext context, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Remove, context.Connection, context.Transaction)
        {
            Parameters = { new() { Value = context.WorkerId }, new() { Value = toSeq } },
        };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
