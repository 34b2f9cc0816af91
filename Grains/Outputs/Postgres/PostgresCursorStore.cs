using Npgsql;

namespace Overseer.Outputs.Postgres;

/// <summary>The cursors of workers on the PostgreSQL output: one row each in <see cref="PostgresSchema.CursorTable"/>,
/// in the same database as the handlers' rows, so that a batch's effects and its cursor advance are one transaction.</summary>
/// <remarks>Each operation is one statement or one transaction that locks the worker's row: a stop waits for a batch in
/// flight to commit or roll back, and every batch after the stop finds the new generation and commits nothing. The
/// rules are those of the Redis cursor (<see cref="Redis.RedisCursorStore"/>): a row without a checkpoint exists only
/// because of a stop, and only a start creates the checkpoint.</remarks>
internal sealed class PostgresCursorStore(PostgresDatabase database, PostgresSchema schema) : ICursorStore
{
    private const string Table = PostgresSchema.CursorTable;

    public async Task<WorkerCursor?> ClaimAsync(string workerId, bool start, int? acceptVersion, long? knownGeneration, CancellationToken cancellationToken)
    {
        await schema.EnsureAsync(null, null, cancellationToken);
        await using var connection = await database.Source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var row = await LockAsync(connection, transaction, workerId, create: start, cancellationToken);
        if (knownGeneration is { } known && row is { } seen && seen.Generation > known)
        {
            return null;
        }

        if (row is not { } c || (!start && (c.Stopped || c.Checkpoint is null)))
        {
            await transaction.CommitAsync(cancellationToken);
            return new WorkerCursor(row?.Generation ?? 0, row?.Checkpoint ?? 0, row?.Token, Stopped: true, row?.HandlerVersion);
        }

        await using var claim = new NpgsqlCommand(
            $"UPDATE {Table} SET generation = {Generations.Sql("generation")}, stopped = false, checkpoint = coalesce(checkpoint, 0), handler_version = coalesce($2, handler_version), updated_at = now() WHERE worker = $1 RETURNING generation, checkpoint, token, handler_version",
            connection,
            transaction);
        claim.Parameters.Add(new() { Value = workerId });
        claim.Parameters.Add(new() { Value = (object?)acceptVersion ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        var claimed = await ReadCursorAsync(claim, stopped: false, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return claimed;
    }

    /// <remarks>Refused (null) over a row with committed effects (checkpoint above 0): its handler's rows are still there
    /// (a delete cut short before its output step, or a worker whose grain state was lost), and a new worker from seq 1
    /// would apply its events again on top of them. As the Redis stream refuses kept events; a delete removes both. Also
    /// refused over a row whose generation is above the known one.</remarks>
    public async Task<WorkerCursor?> CreateAsync(string workerId, long? knownGeneration, CancellationToken cancellationToken)
    {
        await schema.EnsureAsync(null, null, cancellationToken);
        await using var connection = await database.Source.OpenConnectionAsync(cancellationToken);
        // One statement: a row with effects is locked and left as it is, journal and all (no row returned); any other is
        // made the new worker's (the upsert re-checks the row as it locks it, so a commit racing the start wins).
        await using var create = new NpgsqlCommand(
            $"""
            WITH held AS (SELECT 1 FROM {Table} WHERE worker = $1 AND (checkpoint > 0 OR generation > $2::bigint) FOR UPDATE),
            forgotten AS (DELETE FROM {PostgresReorgJournal.Table} WHERE worker = $1 AND NOT EXISTS (SELECT 1 FROM held))
            INSERT INTO {Table} AS c (worker, generation, checkpoint, token, stopped, unjournaled_through) VALUES ($1, {Generations.SqlFirst}, 0, NULL, false, 0)
            ON CONFLICT (worker) DO UPDATE SET generation = {Generations.Sql("c.generation")}, checkpoint = 0, token = NULL, stopped = false, handler_version = NULL, unjournaled_through = 0, updated_at = now()
            WHERE (c.checkpoint IS NULL OR c.checkpoint <= 0) AND ($2::bigint IS NULL OR c.generation <= $2::bigint)
            RETURNING generation, checkpoint, token, handler_version
            """,
            connection);
        create.Parameters.Add(new() { Value = workerId });
        create.Parameters.Add(new() { Value = knownGeneration is { } g ? g : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        return await ReadCursorOrNullAsync(create, stopped: false, cancellationToken);
    }

    public async Task<WorkerCursor?> StopAsync(string workerId, long? knownGeneration, CancellationToken cancellationToken)
    {
        await schema.EnsureAsync(null, null, cancellationToken);
        await using var connection = await database.Source.OpenConnectionAsync(cancellationToken);
        await using var stop = new NpgsqlCommand(
            $"""
            INSERT INTO {Table} AS c (worker, generation, checkpoint, token, stopped) VALUES ($1, {Generations.SqlFirst}, NULL, NULL, true)
            ON CONFLICT (worker) DO UPDATE SET generation = {Generations.Sql("c.generation")}, stopped = true, updated_at = now()
            WHERE $2::bigint IS NULL OR c.generation <= $2::bigint
            RETURNING generation, checkpoint, token, handler_version
            """,
            connection);
        stop.Parameters.Add(new() { Value = workerId });
        stop.Parameters.Add(new() { Value = knownGeneration is { } g ? g : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        return await ReadCursorOrNullAsync(stop, stopped: true, cancellationToken);
    }

    public async Task<WorkerCursor> GetAsync(string workerId, CancellationToken cancellationToken)
    {
        await schema.EnsureAsync(null, null, cancellationToken);
        await using var connection = await database.Source.OpenConnectionAsync(cancellationToken);
        await using var get = new NpgsqlCommand($"SELECT generation, checkpoint, token, stopped, handler_version FROM {Table} WHERE worker = $1", connection);
        get.Parameters.Add(new() { Value = workerId });
        await using var reader = await get.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new WorkerCursor(reader.GetInt64(0), reader.IsDBNull(1) ? 0 : reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetBoolean(3), Version(reader, 4))
            : default;
    }

    /// <summary>The worker's row, locked until <paramref name="transaction"/> ends; with <paramref name="create"/>, an
    /// empty row is made first if there is none (so that two starts of a new worker serialise on it).</summary>
    internal static async Task<CursorRow?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string workerId, bool create, CancellationToken cancellationToken)
    {
        if (create)
        {
            await using var insert = new NpgsqlCommand(
                $"INSERT INTO {Table} (worker, generation, checkpoint, token, stopped) VALUES ($1, 0, NULL, NULL, false) ON CONFLICT (worker) DO NOTHING",
                connection,
                transaction);
            insert.Parameters.Add(new() { Value = workerId });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var select = new NpgsqlCommand($"SELECT generation, checkpoint, token, stopped, handler_version, unjournaled_through FROM {Table} WHERE worker = $1 FOR UPDATE", connection, transaction);
        select.Parameters.Add(new() { Value = workerId });
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new CursorRow(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetBoolean(3), Version(reader, 4), reader.IsDBNull(5) ? null : reader.GetInt64(5))
            : null;
    }

    private static async Task<WorkerCursor> ReadCursorAsync(NpgsqlCommand command, bool stopped, CancellationToken cancellationToken) =>
        await ReadCursorOrNullAsync(command, stopped, cancellationToken) ?? throw new InvalidOperationException($"{Table}: the statement returned no row");

    /// <summary>The cursor a statement returned (generation, checkpoint, token, handler version); null when it returned no row.</summary>
    private static async Task<WorkerCursor?> ReadCursorOrNullAsync(NpgsqlCommand command, bool stopped, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new WorkerCursor(reader.GetInt64(0), reader.IsDBNull(1) ? 0 : reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2), stopped, Version(reader, 3))
            : null;
    }

    private static int? Version(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetInt32(column);

    /// <summary>A cursor row as locked: <see cref="Checkpoint"/> is null until a start created it;
    /// <see cref="UnjournaledThrough"/> is null for a row of a release before the reorg journal (read: the checkpoint).</summary>
    internal readonly record struct CursorRow(long Generation, long? Checkpoint, string? Token, bool Stopped, int? HandlerVersion = null, long? UnjournaledThrough = null);
}
