using System.Globalization;
using Npgsql;
using Overseer.Handlers;

namespace Overseer.Tests.Grains;

/// <summary>A PostgreSQL handler as a team would write one, for tests: each event becomes a row of
/// <c>recorded_events</c> (primary key worker + seq, so a second write of a seq fails loudly rather than hide a
/// duplicate), in one round trip per batch; its rewind hook deletes the rows after the target. Option <c>failAt=N</c>
/// makes it throw on seq N (a deterministic handler bug); option <c>failAtOnce=N</c> only on the first attempt that
/// reaches N in this process.</summary>
public sealed class RecordingHandler : IRewindableHandler
{
    public const string Name = "record";
    public const string Table = "recorded_events";

    private int _failedOnce;

    public IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> options) =>
        [.. options.Where(o => o.Key is not ("failAt" or "failAtOnce") || !long.TryParse(o.Value, CultureInfo.InvariantCulture, out _))
            .Select(o => o.Key is "failAt" or "failAtOnce"
                ? $"invalid handler option {o.Key}='{o.Value}' for handler {Name}: expected a whole number (the seq to fail at)"
                : $"unknown handler option '{o.Key}' for handler {Name}: valid options are failAt, failAtOnce")];

    public async Task EnsureSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var create = new NpgsqlCommand(
            $"CREATE TABLE IF NOT EXISTS {Table} (worker text NOT NULL, seq bigint NOT NULL, payload text NOT NULL, PRIMARY KEY (worker, seq))",
            connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task HandleAsync(HandlerBatch batch, PostgresHandlerContext context, CancellationToken cancellationToken)
    {
        if (batch.Options.TryGetValue("failAt", out var failAt) && batch.Events.Any(e => e.Seq == long.Parse(failAt, CultureInfo.InvariantCulture)))
        {
            throw new InvalidOperationException($"handler {Name} failed as configured at seq {failAt} of worker '{batch.WorkerId}'");
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
}
