using System.Collections.Immutable;
using Npgsql;
using NpgsqlTypes;
using Overseer.Models;

namespace Overseer.Outputs.Postgres;

/// <summary>The dead letters of workers on the PostgreSQL output, in Overseer's table <c>overseer_dead_letters</c> beside
/// the cursors: written in the transaction that passes the event (<see cref="InsertAsync"/>), so a dead letter exists
/// exactly when its checkpoint moved past it; taken (deleted) in the transaction that replays it, so a replay applies once.</summary>
internal sealed class PostgresDeadLetters(PostgresDatabase database, PostgresSchema schema)
{
    public const string Table = PostgresSchema.DeadLetterTable;

    private const string Columns = "worker, handler, handler_version, seq, payload, error_type, error, attempts, generation, at";

    /// <summary>Keeps <paramref name="letter"/> in the caller's transaction (the one that passes its event).</summary>
    public static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DeadLetter letter, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand(
            $"INSERT INTO {Table} ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())", connection, transaction);
        insert.Parameters.Add(new() { Value = letter.WorkerId });
        insert.Parameters.Add(new() { Value = letter.Handler });
        insert.Parameters.Add(new() { Value = letter.HandlerVersion });
        insert.Parameters.Add(new() { Value = letter.Seq });
        insert.Parameters.Add(new() { Value = letter.Payload });
        insert.Parameters.Add(new() { Value = letter.ErrorType });
        insert.Parameters.Add(new() { Value = letter.Error });
        insert.Parameters.Add(new() { Value = letter.Attempts });
        insert.Parameters.Add(new() { Value = letter.Generation });
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Removes and returns <paramref name="workerId"/>'s dead letter <paramref name="seq"/> in the caller's
    /// transaction (locked until it ends); null when there is none.</summary>
    public static async Task<DeadLetter?> TakeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string workerId, long seq, CancellationToken cancellationToken)
    {
        await using var take = new NpgsqlCommand($"DELETE FROM {Table} WHERE worker = $1 AND seq = $2 RETURNING {Columns}", connection, transaction);
        take.Parameters.Add(new() { Value = workerId });
        take.Parameters.Add(new() { Value = seq });
        await using var reader = await take.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>Records one more failed attempt (a replay that failed again) and its error; false when there is no such
    /// dead letter.</summary>
    public async Task<bool> RecordFailureAsync(string workerId, long seq, string errorType, string error, CancellationToken cancellationToken)
    {
        await schema.EnsureAsync(null, null, cancellationToken);
        await using var connection = await database.Source.OpenConnectionAsync(cancellationToken);
        await using var update = new NpgsqlCommand(
            $"UPDATE {Table} SET attempts = attempts + 1, error_type = $3, error = $4 WHERE worker = $1 AND seq = $2", connection);
        update.Parameters.Add(new() { Value = workerId });
        update.Parameters.Add(new() { Value = seq });
        update.Parameters.Add(new() { Value = errorType });
        update.Parameters.Add(new() { Value = error });
        return await update.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Deletes a dead letter without replaying it; false when there is none.</summary>
    public async Task<bool> DiscardAsync(string workerId, long seq, CancellationToken cancellationToken)
    {
        await schema.EnsureAsync(null, null, cancellationToken);
        await using var connection = await database.Source.OpenConnectionAsync(cancellationToken);
        await using var delete = new NpgsqlCommand($"DELETE FROM {Table} WHERE worker = $1 AND seq = $2", connection);
        delete.Parameters.Add(new() { Value = workerId });
        delete.Parameters.Add(new() { Value = seq });
        return await delete.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>How many dead letters <paramref name="workerId"/> holds.</summary>
    public async Task<long> CountAsync(string workerId, CancellationToken cancellationToken)
    {
        await schema.EnsureAsync(null, null, cancellationToken);
        await using var connection = await database.Source.OpenConnectionAsync(cancellationToken);
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM {Table} WHERE worker = $1", connection);
        count.Parameters.Add(new() { Value = workerId });
        return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>One page of dead letters (of one worker, or of all), ordered by worker then seq, after
    /// <paramref name="after"/>.</summary>
    public async Task<DeadLetterPage> ListAsync(string? workerId, DeadLetterPosition? after, int limit, CancellationToken cancellationToken)
    {
        await schema.EnsureAsync(null, null, cancellationToken);
        await using var connection = await database.Source.OpenConnectionAsync(cancellationToken);
        await using var list = new NpgsqlCommand(
            $"""
            SELECT {Columns} FROM {Table}
            WHERE ($1::text IS NULL OR worker = $1) AND ($2::text IS NULL OR (worker, seq) > ($2, $3))
            ORDER BY worker, seq LIMIT $4
            """,
            connection);
        list.Parameters.Add(new() { Value = (object?)workerId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        list.Parameters.Add(new() { Value = (object?)after?.WorkerId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        list.Parameters.Add(new() { Value = after?.Seq ?? 0L });
        list.Parameters.Add(new() { Value = limit + 1 });
        var items = new List<DeadLetter>();
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(Read(reader));
            }
        }

        var more = items.Count > limit;
        var page = items.Take(limit).ToImmutableArray();
        return new DeadLetterPage(page, more ? new DeadLetterPosition(page[^1].WorkerId, page[^1].Seq) : null);
    }

    private static DeadLetter Read(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetInt64(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetInt32(7), r.GetInt64(8),
        r.GetFieldValue<DateTimeOffset>(9));
}
