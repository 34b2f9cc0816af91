using Npgsql;
using NpgsqlTypes;
using Overseer.Handlers;

namespace Overseer.Drill.Host;

/// <summary>The drill's PostgreSQL handler: one row per event in <c>drill_rows</c>, written in the transaction that
/// advances the worker's cursor. The table has no key on purpose: an event applied twice shows as two rows, which the
/// drill's checker counts, instead of a unique violation that would hide it as a crash. Option <c>poisonEvery=N</c> makes
/// it throw on every seq divisible by N (a deterministic bug in a team's code), which the worker's poison policy passes.</summary>
public sealed class DrillRows : IRewindableHandler
{
    /// <summary>The name the drill's workers give <c>--handler</c>.</summary>
    public const string Name = "drill-rows";

    /// <summary>The handler option naming the poison events: every seq divisible by it (2 or more).</summary>
    public const string PoisonEvery = "poisonEvery";

    private const string CreateSchema = """
        SELECT pg_advisory_xact_lock(hashtext('Overseer drill schema'));
        CREATE TABLE IF NOT EXISTS drill_rows (worker text NOT NULL, seq bigint NOT NULL, payload text NOT NULL);
        CREATE INDEX IF NOT EXISTS drill_rows_worker_seq ON drill_rows (worker, seq);
        """;

    private const string Insert = "INSERT INTO drill_rows (worker, seq, payload) SELECT $1, s, p FROM unnest($2::bigint[], $3::text[]) AS t(s, p)";

    private const string Remove = "DELETE FROM drill_rows WHERE worker = $1 AND seq > $2";

    public IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> options) =>
        [.. options.Where(o => o.Key != PoisonEvery || Every(o.Value) is null).Select(o => o.Key == PoisonEvery
            ? $"invalid handler option '{PoisonEvery}={o.Value}': expected a whole number, 2 or more"
            : $"unknown handler option '{o.Key}={o.Value}': the {Name} handler takes only {PoisonEvery}")];

    public async Task EnsureSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(CreateSchema, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task HandleAsync(HandlerBatch batch, PostgresHandlerContext context, CancellationToken cancellationToken)
    {
        if (batch.Options.TryGetValue(PoisonEvery, out var option) && Every(option) is { } every
            && batch.Events.Where(e => e.Seq % every == 0).Select(e => (long?)e.Seq).FirstOrDefault() is { } poison)
        {
            throw new FormatException($"{Name}: seq {poison} is poison ({PoisonEvery}={every})");
        }

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

    private static long? Every(string value) =>
        long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var every) && every >= 2 ? every : null;
}
