using Npgsql;
using Overseer.Handlers;

namespace Overseer.Bench.Suite.Reorg;

/// <summary>The baseline's PostgreSQL handler: the same <see cref="BlockRows"/> statement on tables of its own that it
/// does not declare, so nothing is journaled (and its tables carry no trigger); run with <c>confirmations=2</c>.</summary>
internal sealed class PlainBlocksHandler : IPostgresHandler
{
    public const string Name = "bench-blocks";

    public static BlockRows Rows { get; } = new("bench_plain_blocks", "bench_plain_heads");

    public Task EnsureSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken) => Rows.EnsureSchemaAsync(connection, cancellationToken);

    public Task HandleAsync(HandlerBatch batch, PostgresHandlerContext context, CancellationToken cancellationToken) => Rows.HandleAsync(batch, context, cancellationToken);
}
