using Npgsql;
using Overseer.Handlers;

namespace Overseer.Bench.Suite.Reorg;

/// <summary>The <c>reorg</c> scenario's PostgreSQL handler at the head: <see cref="BlockRows"/> on tables it declares
/// (<see cref="JournaledTables"/>), so Overseer journals the before-image of every row an unfinalized block changes and
/// undoes them on a reorg.</summary>
internal sealed class JournaledBlocksHandler : IPostgresHandler
{
    public const string Name = "bench-blocks-journaled";
    public const string Blocks = "bench_journaled_blocks";
    public const string Heads = "bench_journaled_heads";

    public static BlockRows Rows { get; } = new(Blocks, Heads);

    public IReadOnlyList<string> JournaledTables => [Blocks, Heads];

    public Task EnsureSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken) => Rows.EnsureSchemaAsync(connection, cancellationToken);

    public Task HandleAsync(HandlerBatch batch, PostgresHandlerContext context, CancellationToken cancellationToken) => Rows.HandleAsync(batch, context, cancellationToken);
}
