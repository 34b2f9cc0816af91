using Npgsql;
using Overseer.Handlers;

namespace Overseer.Tests.Grains;

/// <summary>A PostgreSQL handler without the rewind hook: writes like <see cref="RecordingHandler"/> (same table), but
/// a rewind, or a delete that removes effects, must be refused.</summary>
public sealed class HooklessHandler : IPostgresHandler
{
    public const string Name = "record-no-rewind";

    private readonly RecordingHandler _inner = new();

    public Task EnsureSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken) => _inner.EnsureSchemaAsync(connection, cancellationToken);

    public Task HandleAsync(HandlerBatch batch, PostgresHandlerContext context, CancellationToken cancellationToken) =>
        _inner.HandleAsync(batch, context, cancellationToken);
}
