using Npgsql;
using Overseer.Handlers;

namespace Overseer.Tests.Grains;

/// <summary>A PostgreSQL handler whose <see cref="Version"/> a test sets per silo (each silo has its own instance), as a
/// deploy would: each event becomes a row of <c>versioned_events</c> holding the version that wrote it (primary key
/// worker + seq, so a second write of a seq fails loudly). Its rewind hook deletes the rows after the target.</summary>
public sealed class VersionedHandler : IRewindableHandler
{
    public const string Name = "versioned";
    public const string Table = "versioned_events";

    /// <summary>This silo's handler version (a test changes it only while no run of its workers is on this silo).</summary>
    public int Version { get; set; } = VersionOfNewSilos;

    /// <summary>The version a silo's handler starts with (read as the silo first resolves it): set before starting a silo
    /// to deploy that version on it.</summary>
    public static int VersionOfNewSilos { get; set; } = 1;

    public async Task EnsureSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var create = new NpgsqlCommand(
            $"CREATE TABLE IF NOT EXISTS {Table} (worker text NOT NULL, seq bigint NOT NULL, version integer NOT NULL, PRIMARY KEY (worker, seq))",
            connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task HandleAsync(HandlerBatch batch, PostgresHandlerContext context, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand(
            $"INSERT INTO {Table} (worker, seq, version) SELECT $1, s, $3 FROM unnest($2::bigint[]) AS t(s)",
            context.Connection,
            context.Transaction);
        insert.Parameters.Add(new() { Value = batch.WorkerId });
        insert.Parameters.Add(new() { Value = batch.Events.Select(e => e.Seq).ToArray() });
        insert.Parameters.Add(new() { Value = Version });
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RewindAsync(long toSeq, PostgresHandlerContext context, CancellationToken cancellationToken)
    {
        await using var delete = new NpgsqlCommand($"DELETE FROM {Table} WHERE worker = $1 AND seq > $2", context.Connection, context.Transaction);
        delete.Parameters.Add(new() { Value = context.WorkerId });
        delete.Parameters.Add(new() { Value = toSeq });
        await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The rows of <paramref name="worker"/> in seq order: each seq and the handler version that wrote it.</summary>
    public static async Task<(long Seq, int Version)[]> RowsAsync(string connectionString, string worker)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand($"SELECT to_regclass('{Table}') IS NOT NULL", connection);
        if (!(bool)(await exists.ExecuteScalarAsync())!)
        {
            return [];
        }

        await using var select = new NpgsqlCommand($"SELECT seq, version FROM {Table} WHERE worker = $1 ORDER BY seq", connection);
        select.Parameters.Add(new() { Value = worker });
        var rows = new List<(long, int)>();
        await using var reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetInt32(1)));
        }

        return [.. rows];
    }
}
