using Npgsql;
using Overseer.Outputs.Postgres;
using Overseer.Testing;

namespace Overseer.Bench.Suite.Reorg;

/// <summary>A PostgreSQL handler: the journaled side runs <see cref="JournaledBlocksHandler"/>, the baseline
/// <see cref="PlainBlocksHandler"/>; cursors read from <c>overseer_cursors</c>, and the handler's rows checked against
/// the node.</summary>
internal sealed class PostgresReorgOutput(NpgsqlDataSource database, EvmRpc rpc) : IReorgOutput
{
    public string FigurePrefix => "PostgreSQL handler: ";

    public string IdPrefix => "p";

    public string? Handler(bool journaled) => journaled ? JournaledBlocksHandler.Name : PlainBlocksHandler.Name;

    public async Task<(long Checkpoint, string? Token)[]> CursorsAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        await using var read = database.CreateCommand($"SELECT worker, checkpoint, token FROM {PostgresSchema.CursorTable} WHERE worker = ANY($1)");
        read.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. ids] });
        var found = new Dictionary<string, (long, string?)>();
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found[reader.GetString(0)] = (reader.IsDBNull(1) ? 0 : reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2));
        }

        return [.. ids.Select(id => found.GetValueOrDefault(id, (0, null)))];
    }

    /// <summary>The block rows are the node's chain, and the heads row agrees with them: as many blocks counted as there
    /// are rows, and the newest row's hash (a rollback must have restored it with the rows).</summary>
    public async Task<string?> CheckAsync(string id, bool journaled, long from, long to, CancellationToken cancellationToken)
    {
        var rows = journaled ? JournaledBlocksHandler.Rows : PlainBlocksHandler.Rows;
        var (blocks, head) = await rows.ReadAsync(database, id, from, cancellationToken);
        if (blocks.Count == 0 || head is not { } h || h.Blocks != blocks.Count || h.Seq != blocks[^1].Seq || !blocks[^1].Payload.Contains(h.Hash, StringComparison.Ordinal))
        {
            return $"worker '{id}': its heads row {(head is { } x ? $"({x.Blocks} blocks, newest {x.Seq} {x.Hash})" : "(none)")} does not match its {blocks.Count} block rows "
                + $"(newest {(blocks.Count == 0 ? "none" : blocks[^1].Payload)})";
        }

        return await EvmIndexCheck.BlocksAsync(rpc, id, [.. blocks.Where(b => b.Seq <= to)], from, to);
    }
}
