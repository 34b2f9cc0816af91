using System.Globalization;
using Npgsql;
using Overseer.Handlers;

namespace Overseer.Tests.Grains;

/// <summary>A PostgreSQL handler that declares its tables for the reorg journal (<see cref="IPostgresHandler.JournaledTables"/>)
/// and changes rows every way a handler can, for tests of the journal: each event is a command on <c>ledger</c> (primary
/// key worker + k) — <c>set|k|amount</c> upserts (an insert, or an update), <c>del|k</c> deletes, <c>move|k|k2</c> changes the
/// primary key — and appends a row to <c>ledger_log</c>. The row's other columns are derived from the seq and chosen to be
/// hard to round-trip: numeric(78,0), text with quotes and non-ASCII, bytea, timestamptz, double, text[], a null.</summary>
public sealed class LedgerHandler : IPostgresHandler
{
    public const string Name = "ledger";

    public IReadOnlyList<string> JournaledTables => ["ledger", "public.ledger_log"];

    public async Task EnsureSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var create = new NpgsqlCommand(
            """
            CREATE TABLE IF NOT EXISTS ledger (
                worker text NOT NULL, k text NOT NULL, amount numeric(78,0) NOT NULL, note text, data bytea, at timestamptz,
                ratio double precision, tags text[], maybe integer, PRIMARY KEY (worker, k));
            CREATE TABLE IF NOT EXISTS ledger_log (worker text NOT NULL, seq bigint NOT NULL, command text NOT NULL, PRIMARY KEY (worker, seq));
            """,
            connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task HandleAsync(HandlerBatch batch, PostgresHandlerContext context, CancellationToken cancellationToken)
    {
        foreach (var e in batch.Events)
        {
            var parts = e.Payload.Split('|');
            var sql = parts[0] switch
            {
                "set" => """
                    INSERT INTO ledger AS l (worker, k, amount, note, data, at, ratio, tags, maybe)
                    VALUES ($1, $2, $3::numeric, $4, $5, to_timestamp($6), $7, $8, $9)
                    ON CONFLICT (worker, k) DO UPDATE SET amount = l.amount + excluded.amount, note = excluded.note, data = excluded.data,
                        at = excluded.at, ratio = excluded.ratio, tags = excluded.tags, maybe = excluded.maybe
                    """,
                "del" => "DELETE FROM ledger WHERE worker = $1 AND k = $2",
                "move" => "UPDATE ledger SET k = $3 WHERE worker = $1 AND k = $2",
                _ => throw new FormatException($"ledger: unknown command '{e.Payload}' at seq {e.Seq}"),
            };
            await using var command = new NpgsqlCommand(sql, context.Connection, context.Transaction);
            command.Parameters.Add(new() { Value = batch.WorkerId });
            command.Parameters.Add(new() { Value = parts[1] });
            if (parts[0] == "set")
            {
                command.Parameters.Add(new() { Value = parts[2] + "000000000000000000000000000000000000000000000000000000000000" });
                command.Parameters.Add(new() { Value = $"it's \"{e.Seq}\" — ünïcode" });
                command.Parameters.Add(new() { Value = new byte[] { 0, (byte)e.Seq, 0xff, (byte)'\\' } });
                command.Parameters.Add(new() { Value = 1_700_000_000.123456 + e.Seq });
                command.Parameters.Add(new() { Value = e.Seq / 3.0 });
                command.Parameters.Add(new() { Value = new[] { e.Seq.ToString(CultureInfo.InvariantCulture), "x,y \"z\"" } });
                command.Parameters.Add(new() { Value = e.Seq % 2 == 0 ? DBNull.Value : (object)(int)e.Seq, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
            }
            else if (parts[0] == "move")
            {
                command.Parameters.Add(new() { Value = parts[2] });
            }

            await command.ExecuteNonQueryAsync(cancellationToken);
            await using var log = new NpgsqlCommand("INSERT INTO ledger_log (worker, seq, command) VALUES ($1, $2, $3)", context.Connection, context.Transaction);
            log.Parameters.Add(new() { Value = batch.WorkerId });
            log.Parameters.Add(new() { Value = e.Seq });
            log.Parameters.Add(new() { Value = e.Payload });
            await log.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Both tables' rows of <paramref name="worker"/> as text (every column but the worker), in key order: what
    /// a rollback must restore exactly.</summary>
    public static Task<List<string>> RowsAsync(string connectionString, string worker) =>
        PostgresRows.TextAsync(
            connectionString,
            """
            SELECT 'ledger ' || row(k, amount, note, data, at, ratio, tags, maybe)::text FROM ledger WHERE worker = $1
            UNION ALL SELECT 'log ' || row(seq, command)::text FROM ledger_log WHERE worker = $1
            ORDER BY 1
            """,
            worker);
}
