using System.Globalization;
using Npgsql;
using Overseer.Handlers;

namespace Overseer.Tests.Grains;

/// <summary>A PostgreSQL handler as a team would write one, for tests: each event becomes a row of
/// <c>recorded_events</c> (primary key worker + seq, so a second write of a seq fails loudly rather than hide a
/// duplicate), in one round trip per batch; its rewind hook deletes the rows after the target. Option <c>failAt=N[,M...]</c>
/// makes it throw on those seqs (a deterministic handler bug); option <c>failAtOnce=N</c> only on the first attempt that
/// reaches N in this process; option <c>failListed=yes</c> on the seqs listed for the worker in <c>recorded_poison</c>
/// (data the handler cannot process, until a test "fixes" it by deleting the row: for replays).</summary>
public sealed class RecordingHandler : IRewindableHandler
{
    public const string Name = "record";
    public const string Table = "recorded_events";
    public const string PoisonTable = "recorded_poison";

    private int _failedOnce;

    public IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> options) =>
        [.. options.Where(o => o.Key is not ("failAt" or "failAtOnce" or "failListed") || (o.Key != "failListed" && !o.Value.Split(',').All(v => long.TryParse(v, CultureInfo.InvariantCulture, out _))))
            .Select(o => o.Key is "failAt" or "failAtOnce"
                ? $"invalid handler option {o.Key}='{o.Value}' for handler {Name}: expected whole numbers separated by commas (the seqs to fail at)"
                : $"unknown handler option '{o.Key}' for handler {Name}: valid options are failAt, failAtOnce, failListed")];

    public async Task EnsureSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var create = new NpgsqlCommand(
            $"CREATE TABLE IF NOT EXISTS {Table} (worker text NOT NULL, seq bigint NOT NULL, payload text NOT NULL, PRIMARY KEY (worker, seq)); "
            + $"CREATE TABLE IF NOT EXISTS {PoisonTable} (worker text NOT NULL, seq bigint NOT NULL, PRIMARY KEY (worker, seq))",
            connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task HandleAsync(HandlerBatch batch, PostgresHandlerContext context, CancellationToken cancellationToken)
    {
        if (batch.Options.TryGetValue("failAt", out var failAt)
            && batch.Events.Where(e => failAt.Split(',').Any(f => e.Seq == long.Parse(f, CultureInfo.InvariantCulture))).Select(e => (long?)e.Seq).FirstOrDefault() is { } bad)
        {
            throw new FormatException($"handler {Name} failed as configured at seq {bad} of worker '{batch.WorkerId}'");
        }

        if (batch.Options.ContainsKey("failListed"))
        {
            await using var listed = new NpgsqlCommand($"SELECT min(seq) FROM {PoisonTable} WHERE worker = $1 AND seq = ANY($2)", context.Connection, context.Transaction);
            listed.Parameters.Add(new() { Value = batch.WorkerId });
            listed.Parameters.Add(new() { Value = batch.Events.Select(e => e.Seq).ToArray() });
            if (await listed.ExecuteScalarAsync(cancellationToken) is long poison)
            {
                throw new FormatException($"handler {Name} cannot decode seq {poison} of worker '{batch.WorkerId}' (listed in {PoisonTable})");
            }
        }

        if (batch.Options.TryGetValue("failAtOnce", out var once)
            && batch.Events.Any(e => e.Seq == long.Parse(once, CultureInfo.InvariantCulture))
            && Interlocked.Exchange(ref _failedOnce, 1) == 0)
        {
            throw new InvalidOperationException($"handler {Name} failed once as configured at seq {once} of worker '{batch.WorkerId}'");
        }

        await using var insert = new NpgsqlCommand(
            $"INSERT INTO {Table} (worker, seq, payload) SELECT $1, s, p FROM unnest($2::bigint[], $3::text[]) AS t(s, p)",
            context.Connection,
            context.Transaction);
        insert.Parameters.Add(new() { Value = batch.WorkerId });
        insert.Parameters.Add(new() { Value = batch.Events.Select(e => e.Seq).ToArray() });
        insert.Parameters.Add(new() { Value = batch.Events.Select(e => e.Payload).ToArray() });
        await insert.ExecuteNonQueryAsync(cancellationToken);
        if (Gate is { } gate)
        {
            await gate(batch);
        }
    }

    public async Task RewindAsync(long toSeq, PostgresHandlerContext context, CancellationToken cancellationToken)
    {
        await using var delete = new NpgsqlCommand($"DELETE FROM {Table} WHERE worker = $1 AND seq > $2", context.Connection, context.Transaction);
        delete.Parameters.Add(new() { Value = context.WorkerId });
        delete.Parameters.Add(new() { Value = toSeq });
        await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>For a test that must hold a batch inside its transaction: awaited after the rows are written.</summary>
    public Func<HandlerBatch, Task>? Gate { get; set; }

    /// <summary>The seqs recorded for <paramref name="worker"/>, in order (a duplicate would have failed the insert).</summary>
    public static async Task<long[]> SeqsAsync(string connectionString, string worker)
    {
        // Not pooled: a test that restarts PostgreSQL would otherwise read through a connection the restart ended.
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand($"SELECT to_regclass('{Table}') IS NOT NULL", connection);
        if (!(bool)(await exists.ExecuteScalarAsync())!)
        {
            return [];
        }

        await using var select = new NpgsqlCommand($"SELECT seq FROM {Table} WHERE worker = $1 ORDER BY seq", connection);
        select.Parameters.Add(new() { Value = worker });
        var seqs = new List<long>();
        await using var reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            seqs.Add(reader.GetInt64(0));
        }

        return [.. seqs];
    }

    /// <summary>The (seq, payload) rows recorded for <paramref name="worker"/>, in seq order.</summary>
    public static async Task<List<(long Seq, string Payload)>> PayloadsAsync(string connectionString, string worker)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var select = new NpgsqlCommand($"SELECT seq, payload FROM {Table} WHERE worker = $1 ORDER BY seq", connection);
        select.Parameters.Add(new() { Value = worker });
        var rows = new List<(long, string)>();
        await using var reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        return rows;
    }
}
