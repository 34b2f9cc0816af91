using Npgsql;

namespace Overseer.Handlers;

/// <summary>A handler on the PostgreSQL output: it writes a batch's effects (rows in the team's own tables) through the
/// transaction Overseer opened, and Overseer commits them with the worker's cursor in that same transaction, so each
/// event's effects are applied exactly once. The worker's cursor then lives in PostgreSQL, never also in Redis.</summary>
/// <remarks>Requires <see cref="Hosting.OverseerBuilder.AddPostgres(string)"/>. The handler's writes must be deterministic
/// functions of the batch (a retried batch runs again from the start in a new transaction). Do not commit, roll back or
/// open transactions of your own; errors that PostgreSQL reports as transient (connection loss, serialization failure,
/// deadlock, shutdown) are outages, retried without counting a crash.</remarks>
public interface IPostgresHandler : IEventHandler
{
    /// <summary>Creates the handler's own tables if they are missing (idempotent DDL), once per silo before the first
    /// batch. The schema is the handler's: Overseer creates only its own cursor table.</summary>
    Task EnsureSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Writes the effects of <paramref name="batch"/> through <paramref name="context"/>'s transaction.</summary>
    Task HandleAsync(HandlerBatch batch, PostgresHandlerContext context, CancellationToken cancellationToken);
}
