using System.Collections.Concurrent;
using Npgsql;
using Overseer.Handlers;

namespace Overseer.Outputs.Postgres;

/// <summary>Creates what the PostgreSQL output needs, once per silo: Overseer's tables (<c>overseer_cursors</c>, <c>overseer_dead_letters</c>,
/// the reorg journal of <see cref="PostgresReorgJournal"/>), and each handler's own schema
/// (<see cref="IPostgresHandler.EnsureSchemaAsync"/>, then the journal triggers on its declared tables), each under an advisory lock so that
/// silos starting together do not race their DDL. A failed attempt is tried again by the next batch.</summary>
internal sealed class PostgresSchema(PostgresDatabase database)
{
    /// <summary>The cursor of every worker on this output: the fence (generation, stopped), the checkpoint (null until a
    /// start created the cursor), the source token and the handler version its rows were written with (null until the
    /// first commit, and again after a rewind to 0). A batch's effects and the row's advance are one transaction.</summary>
    public const string CursorTable = "overseer_cursors";

    private const string CreateCursors = $"""
        CREATE TABLE IF NOT EXISTS {CursorTable} (
            worker      text PRIMARY KEY,
            generation  bigint NOT NULL,
            checkpoint  bigint,
            token       text,
            stopped     boolean NOT NULL DEFAULT false,
            updated_at  timestamptz NOT NULL DEFAULT now()
        )
        """;

    // Added by the handler-versions release: a database created before it is upgraded in place (its rows get null, which
    // the next commit fills with its handler's version).
    private const string AddHandlerVersion = $"ALTER TABLE {CursorTable} ADD COLUMN IF NOT EXISTS handler_version integer";

    // Added by the reorg-journal release: the highest seq committed without a before-image journal (final when committed,
    // or by a handler or source without one); a reorg rollback below it cannot be undone from the journal. Null (a row of
    // an older release) means the checkpoint.
    private const string AddUnjournaledThrough = $"ALTER TABLE {CursorTable} ADD COLUMN IF NOT EXISTS unjournaled_through bigint";

    /// <summary>The dead letters of workers with poison policy dead-letter (<see cref="PostgresDeadLetters"/>).</summary>
    public const string DeadLetterTable = "overseer_dead_letters";

    private const string CreateDeadLetters = $"""
        CREATE TABLE IF NOT EXISTS {DeadLetterTable} (
            worker           text NOT NULL,
            seq              bigint NOT NULL,
            handler          text NOT NULL,
            handler_version  integer NOT NULL,
            payload          text NOT NULL,
            error_type       text NOT NULL,
            error            text NOT NULL,
            attempts         integer NOT NULL,
            generation       bigint NOT NULL,
            at               timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (worker, seq)
        )
        """;

    // One advisory lock key for all of Overseer's DDL ("overseer" in ASCII).
    private const long DdlLock = 0x6F7665727365L;

    private readonly ConcurrentDictionary<string, Lazy<Task>> _ready = new(StringComparer.Ordinal);

    /// <summary>Overseer's table and <paramref name="handler"/>'s schema exist.</summary>
    public Task EnsureAsync(string? handlerName, IPostgresHandler? handler, CancellationToken cancellationToken)
    {
        var own = Once(string.Empty, ct => RunLockedAsync(async c =>
        {
            await using var command = new NpgsqlCommand(CreateCursors, c);
            await command.ExecuteNonQueryAsync(ct);
            await using var version = new NpgsqlCommand(AddHandlerVersion, c);
            await version.ExecuteNonQueryAsync(ct);
            await using var deadLetters = new NpgsqlCommand(CreateDeadLetters, c);
            await deadLetters.ExecuteNonQueryAsync(ct);
            await using var unjournaled = new NpgsqlCommand(AddUnjournaledThrough, c);
            await unjournaled.ExecuteNonQueryAsync(ct);
            await using var journal = new NpgsqlCommand(PostgresReorgJournal.Create, c);
            await journal.ExecuteNonQueryAsync(ct);
        }, ct), cancellationToken);
        return handler is null || handlerName is null
            ? own
            : AndThen(own, () => Once("handler:" + handlerName, ct => RunLockedAsync(async c =>
            {
                await handler.EnsureSchemaAsync(c, ct);
                await PostgresReorgJournal.EnsureTriggersAsync(c, handlerName, handler.JournaledTables, ct);
            }, ct), cancellationToken));
    }

    private static async Task AndThen(Task first, Func<Task> next)
    {
        await first;
        await next();
    }

    private Task Once(string key, Func<CancellationToken, Task> create, CancellationToken cancellationToken)
    {
        var ready = _ready.GetOrAdd(key, _ => new Lazy<Task>(() => create(CancellationToken.None)));
        if (ready.Value.IsFaulted || ready.Value.IsCanceled)
        {
            _ready.TryRemove(new KeyValuePair<string, Lazy<Task>>(key, ready));
        }

        return ready.Value.WaitAsync(cancellationToken);
    }

    private async Task RunLockedAsync(Func<NpgsqlConnection, Task> ddl, CancellationToken cancellationToken)
    {
        await using var connection = await database.Source.OpenConnectionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({DdlLock})", connection))
        {
            await take.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            await ddl(connection);
        }
        finally
        {
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({DdlLock})", connection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
