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

    /// <summary>The tables this handler writes (names as in SQL, optionally schema-qualified), for reorgs: Overseer puts a
    /// row trigger on each that journals the before-image of every row a batch of unfinalized events inserts, updates or
    /// deletes, and undoes them, newest first, when the source's history changes under the checkpoint (a chain reorg), in
    /// the same transaction that moves the cursor back. Empty (the default): such a rollback uses the rewind hook
    /// (<see cref="IRewindableHandler"/>) if there is one, else the worker halts.</summary>
    /// <remarks>Each table needs a primary key (checked when the schema is ensured, with an error naming the table), and
    /// each of its rows must be written by one worker only (keyed by the worker id, as in the samples): undoing one
    /// worker's change restores the row as that worker found it. Writes must be row-level (<c>TRUNCATE</c> is not
    /// journaled). A batch of unfinalized events is handed to <see cref="HandleAsync"/> one event at a time, so each row
    /// change is journaled under its own event.</remarks>
    IReadOnlyList<string> JournaledTables => [];

    /// <summary>Called in the transaction of a reorg rollback, after Overseer undid the journaled rows and before the
    /// cursor moves back to <paramref name="toSeq"/>: for effects of the events after it that are not rows of
    /// <see cref="JournaledTables"/> (a failure rolls the whole rollback back, to be tried again). The default does
    /// nothing.</summary>
    Task RolledBackAsync(long toSeq, PostgresHandlerContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}
