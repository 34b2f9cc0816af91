using Npgsql;
using Overseer.Outputs.Postgres;
using StackExchange.Redis;

namespace Overseer.Drill;

/// <summary>What the checker reads from the stores themselves, not through a grain (a grain call would wake a stopped
/// worker and take the product's word for what it did): a worker's checkpoint and output (Redis stream, or PostgreSQL
/// cursor row and handler rows), and the pool's slot holders.</summary>
internal sealed class StoreReads(DrillCluster cluster)
{
    // KEYS[1] = the pool's holders (scored by lease expiry, Redis ms): those whose lease has not run out.
    private const string CursorTable = PostgresSchema.CursorTable;

    private const string HoldersScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
        """;

    private IDatabase Db => cluster.Mux.GetDatabase();

    /// <summary>The committed checkpoint (0 when the worker has no cursor).</summary>
    public async Task<long> CheckpointAsync(DrillWorker worker)
    {
        if (worker.OnPostgres)
        {
            return await ScalarAsync($"SELECT coalesce(max(checkpoint), 0) FROM {CursorTable} WHERE worker = $1", worker.Id);
        }

        var cp = await Db.HashGetAsync(cluster.Keys.Cursor(worker.Id), "cp");
        return cp.IsNull ? 0 : (long)cp;
    }

    public async Task<bool> CursorExistsAsync(DrillWorker worker) => worker.OnPostgres
        ? await ScalarAsync($"SELECT count(*) FROM {CursorTable} WHERE worker = $1", worker.Id) > 0
        : await Db.KeyExistsAsync(cluster.Keys.Cursor(worker.Id));

    /// <summary>How many events the worker's output holds (stream entries, or the handler's rows).</summary>
    public async Task<long> OutputLengthAsync(DrillWorker worker) => worker.OnPostgres
        ? await ScalarAsync("SELECT count(*) FROM drill_rows WHERE worker = $1", worker.Id)
        : await Db.StreamLengthAsync(cluster.Keys.Events(worker.Id));

    /// <summary>Every event the worker's output holds, in seq order (a row applied twice appears twice).</summary>
    public async Task<IReadOnlyList<(long Seq, string Payload)>> EventsAsync(DrillWorker worker)
    {
        if (!worker.OnPostgres)
        {
            return await StreamAsync(worker.Id);
        }

        await using var connection = new NpgsqlConnection(PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT seq, payload FROM drill_rows WHERE worker = $1 ORDER BY seq", connection)
        {
            Parameters = { new() { Value = worker.Id } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(long, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        return rows;
    }

    /// <summary>The seqs of the worker's dead letters, in order (a seq held twice appears twice); none before any exists.</summary>
    public async Task<IReadOnlyList<long>> DeadLettersAsync(DrillWorker worker)
    {
        await using var connection = new NpgsqlConnection(PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT seq FROM {PostgresSchema.DeadLetterTable} WHERE worker = $1 ORDER BY seq", connection)
        {
            Parameters = { new() { Value = worker.Id } },
        };
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            var seqs = new List<long>();
            while (await reader.ReadAsync())
            {
                seqs.Add(reader.GetInt64(0));
            }

            return seqs;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return [];
        }
    }

    // Without pooling: a pooled connection from before a PostgreSQL kill fails its next command.
    private string PostgresConnectionString => new NpgsqlConnectionStringBuilder(cluster.PostgresConnectionString) { Pooling = false }.ConnectionString;

    private async Task<long> ScalarAsync(string sql, string workerId)
    {
        await using var connection = new NpgsqlConnection(PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = workerId } } };
        try
        {
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // No worker has committed through PostgreSQL yet.
            return 0;
        }
    }

    private async Task<IReadOnlyList<(long Seq, string Payload)>> StreamAsync(string workerId)
    {
        var events = new List<(long, string)>();
        RedisValue from = "-";
        while (true)
        {
            var page = await Db.StreamRangeAsync(cluster.Keys.Events(workerId), from, "+", count: 5000);
            foreach (var entry in page)
            {
                var seq = long.Parse(((string)entry.Id!).Split('-')[0], System.Globalization.CultureInfo.InvariantCulture);
                events.Add((seq, (string)entry["p"]!));
            }

            if (page.Length < 5000)
            {
                return events;
            }

            from = "(" + (string)page[^1].Id!;
        }
    }

    /// <summary>The ids holding a pool slot whose lease has not run out.</summary>
    public async Task<string[]> HoldersAsync()
    {
        var result = await Db.ScriptEvaluateAsync(HoldersScript, [cluster.Keys.Pool[0]]);
        return [.. ((RedisResult[])result!).Select(r => (string)r!)];
    }

    public Task<long> PendingAsync() => Db.SortedSetLengthAsync(cluster.Keys.Pool[1]);
}
