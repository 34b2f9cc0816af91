using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Overseer.Handlers;

namespace Overseer.Bench.Suite.Reorg;

/// <summary>What the <c>reorg</c> scenario's PostgreSQL handlers write for an <c>evm</c> worker in blocks mode, shaped like
/// an ERC-20 indexer's (a row per Transfer, and a balance updated): per block, one row of <c>blocks</c> (worker, seq, hash,
/// parent hash), and the worker's one row of <c>heads</c> updated (blocks counted, the newest block's seq and hash). A
/// batch is one statement (its blocks through <c>unnest</c>, the heads row upserted once). Both handlers of the scenario
/// run this same statement, each on tables of its own: <see cref="JournaledBlocksHandler"/> declares them for the reorg
/// journal, <see cref="PlainBlocksHandler"/> does not (no trigger on its tables).</summary>
internal sealed class BlockRows(string blocks, string heads)
{
    private readonly string _create = $"""
        CREATE TABLE IF NOT EXISTS {blocks} (worker text NOT NULL, seq bigint NOT NULL, hash text NOT NULL, parent_hash text NOT NULL, PRIMARY KEY (worker, seq));
        CREATE TABLE IF NOT EXISTS {heads} (worker text PRIMARY KEY, blocks bigint NOT NULL, seq bigint NOT NULL, hash text NOT NULL);
        """;

    private readonly string _insert = $"""
        WITH batch AS (
            SELECT * FROM unnest($2::bigint[], $3::text[], $4::text[]) AS t(seq, hash, parent_hash)
        ), inserted AS (
            INSERT INTO {blocks} (worker, seq, hash, parent_hash) SELECT $1, seq, hash, parent_hash FROM batch
        )
        INSERT INTO {heads} AS h (worker, blocks, seq, hash)
        SELECT $1, count(*), max(seq), (SELECT hash FROM batch ORDER BY seq DESC LIMIT 1) FROM batch
        ON CONFLICT (worker) DO UPDATE SET blocks = h.blocks + excluded.blocks, seq = excluded.seq, hash = excluded.hash
        """;

    private readonly string _read = $"SELECT seq, hash, parent_hash FROM {blocks} WHERE worker = $1 AND seq >= $2 ORDER BY seq";

    private readonly string _head = $"SELECT blocks, seq, hash FROM {heads} WHERE worker = $1";

    public async Task EnsureSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_create, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task HandleAsync(HandlerBatch batch, PostgresHandlerContext context, CancellationToken cancellationToken)
    {
        var (seqs, hashes, parents) = (new long[batch.Events.Count], new string[batch.Events.Count], new string[batch.Events.Count]);
        for (var i = 0; i < seqs.Length; i++)
        {
            using var block = JsonDocument.Parse(batch.Events[i].Payload);
            (seqs[i], hashes[i], parents[i]) = (batch.Events[i].Seq, block.RootElement.GetProperty("hash").GetString()!, block.RootElement.GetProperty("parentHash").GetString()!);
        }

        await using var command = new NpgsqlCommand(_insert, context.Connection, context.Transaction)
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = batch.WorkerId, NpgsqlDbType = NpgsqlDbType.Text },
                new NpgsqlParameter<long[]> { TypedValue = seqs, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                new NpgsqlParameter<string[]> { TypedValue = hashes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new NpgsqlParameter<string[]> { TypedValue = parents, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
            },
        };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The worker's block rows from <paramref name="from"/> on, as (seq, payload) pairs with the hash and parent
    /// hash (what <see cref="Testing.EvmIndexCheck.BlocksAsync"/> compares with the node), and its heads row, read in one
    /// snapshot (the worker may still be committing).</summary>
    public async Task<(List<(long Seq, string Payload)> Rows, (long Blocks, long Seq, string Hash)? Head)> ReadAsync(
        NpgsqlDataSource database, string workerId, long from, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var snapshot = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var rows = new List<(long Seq, string Payload)>();
        await using (var read = new NpgsqlCommand(_read, connection, snapshot))
        {
            read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workerId });
            read.Parameters.Add(new NpgsqlParameter<long> { TypedValue = from });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetInt64(0), JsonSerializer.Serialize(new { hash = reader.GetString(1), parentHash = reader.GetString(2) })));
            }
        }

        (long, long, string)? head = null;
        await using (var read = new NpgsqlCommand(_head, connection, snapshot))
        {
            read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workerId });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                head = (reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2));
            }
        }

        await snapshot.CommitAsync(cancellationToken);
        return (rows, head);
    }
}
