using Npgsql;
using Overseer.Errors;
using Overseer.Handlers;
using Overseer.Models;
using Overseer.Sources;

namespace Overseer.Outputs.Postgres;

/// <summary>The PostgreSQL output: a worker's <see cref="IPostgresHandler"/> writes a batch's effects through the
/// transaction that also advances the worker's cursor row, so that the effects of each event are committed exactly once.
/// </summary>
/// <remarks>
/// A batch is one transaction: (1) one <c>UPDATE</c> of the cursor row that is the whole fence — the generation is still
/// this run's, the worker is not stopped, the checkpoint is the one the batch follows, and the pool lease has not
/// expired — and that locks the row; (2) the handler's writes; (3) <c>COMMIT</c>. When the fence refuses, the
/// transaction is rolled back before the handler runs, and the row read again tells why, by the same rules and in the
/// same order as the Redis script: fenced, then already committed (a retry after a lost reply), then behind (the store
/// lost commits), then moved (a bug), then another handler version, then the lease. The same <c>UPDATE</c> checks the
/// handler version (a row without one takes the batch's), so the version check and the effects are one transaction.
/// For a handler with journaled tables the fence's round trip also starts the reorg journal: it forgets what has become
/// final (in the same statement, only where the fence held) and names the transaction's writes the worker's.
/// The lease is compared with the database's clock (<c>clock_timestamp()</c>), while the pool sets it by Redis's: the
/// two servers' clocks must agree to well within the slot lease (NTP does this; on one machine they are one clock).
/// </remarks>
internal sealed class PostgresOutput(PostgresDatabase database, PostgresSchema schema) : IWorkerOutput, IDeadLetters
{
    private const string Table = PostgresSchema.CursorTable;

    private const string Advance = $"""
        UPDATE {Table} SET checkpoint = $1, token = coalesce($2, token), handler_version = coalesce($7, handler_version),
            unjournaled_through = greatest(coalesce(unjournaled_through, checkpoint), $8), updated_at = now()
        WHERE worker = $3 AND generation = $4 AND NOT stopped AND checkpoint = $5
          AND ($7::integer IS NULL OR handler_version IS NULL OR handler_version = $7)
          AND ($6 = 0 OR (extract(epoch FROM clock_timestamp()) * 1000)::bigint < $6)
        """;

    /// <summary><see cref="Advance"/>, returning a row where the fence held.</summary>
    private const string AdvanceReturning = $"{Advance} RETURNING 1";

    /// <summary><see cref="Advance"/>, and where it held, the journal's entries at or below the final seq $9 forgotten.</summary>
    private const string AdvanceForgettingFinal = $"""
        WITH advanced AS ({Advance} RETURNING worker),
          forgotten AS (DELETE FROM {PostgresReorgJournal.Table} j USING advanced a WHERE j.worker = a.worker AND j.seq <= $9)
        SELECT 1 FROM advanced
        """;

    private readonly PostgresDeadLetters _deadLetters = new(database, schema);

    public ICursorStore Cursors { get; } = new PostgresCursorStore(database, schema);

    public IDeadLetters DeadLetters => this;

    public string? WhyEventsCannotBePassed => null;

    public async Task<CommitResult> CommitAsync(string workerId, CommitBatch batch, CancellationToken cancellationToken)
    {
        var events = batch.Events;
        if (events.Count == 0)
        {
            return new CommitResult(CommitOutcome.Committed, batch.Checkpoint);
        }

        batch.EnsureFollowsCheckpoint(workerId);
        var handler = Handler(workerId, batch.Binding);
        await schema.EnsureAsync(batch.Binding.HandlerName, handler, cancellationToken);
        var last = events[^1].Seq;

        // The events above the source's final seq are journaled (when the handler declares its tables), from the first of
        // them; what was journaled at or below it is forgotten, so the cursor row records that nothing up to it (or up to
        // this batch) can be undone from the journal any more, and a rollback below that is refused.
        var journalAbove = batch.Pass is null && handler.JournaledTables.Count > 0 ? batch.FinalThrough : null;
        var journalFrom = journalAbove is { } final ? FirstAbove(events, final) : events.Count;
        var unjournaledThrough = batch.Pass is not null ? 0 : Math.Min(journalAbove ?? long.MaxValue, last);
        await using var connection = await database.Source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await FenceAsync(connection, transaction, workerId, batch, last, unjournaledThrough, journalAbove, journalFrom == 0 ? events[0].Seq : null, cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            return await RefusedAsync(connection, workerId, batch, last, cancellationToken);
        }

        if (batch.Pass is { } pass)
        {
            // The poison event passes without its handler; a dead letter is kept in this same transaction.
            if (pass.DeadLetter)
            {
                var e = events[0];
                await PostgresDeadLetters.InsertAsync(
                    connection,
                    transaction,
                    new DeadLetter(workerId, batch.Binding.HandlerName!, handler.Version, e.Seq, e.Payload, pass.ErrorType, pass.Error, pass.Attempts, batch.Generation, default),
                    cancellationToken);
            }
        }
        else if (journalAbove is not null)
        {
            // Final events in one call, unjournaled; then each unfinalized event alone, journaled under its seq (the first
            // one's named with the journal's start when no final event comes before it: one round trip fewer at the head).
            if (journalFrom > 0)
            {
                await HandleAsync(workerId, batch.Binding, handler, journalFrom == events.Count ? events : [.. events.Take(journalFrom)], connection, transaction, cancellationToken);
            }

            for (var i = journalFrom; i < events.Count; i++)
            {
                if (i > 0)
                {
                    await PostgresReorgJournal.AtAsync(connection, transaction, events[i].Seq, cancellationToken);
                }

                await HandleAsync(workerId, batch.Binding, handler, [events[i]], connection, transaction, cancellationToken);
            }
        }
        else
        {
            await HandleAsync(workerId, batch.Binding, handler, events, connection, transaction, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new CommitResult(CommitOutcome.Committed, last);
    }

    /// <summary>The fence (<see cref="Advance"/>), and for a journaled batch the journal's start in the same round trip:
    /// what is final now is forgotten only where the fence held (so a refused commit changes and locks nothing), and the
    /// transaction's writes are named the worker's (and the first event's, <paramref name="firstSeq"/>). Whether the fence
    /// held.</summary>
    private static async Task<bool> FenceAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string workerId, CommitBatch batch, long last, long unjournaledThrough, long? journalAbove, long? firstSeq, CancellationToken cancellationToken)
    {
        await using var fence = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(journalAbove is null ? AdvanceReturning : AdvanceForgettingFinal)
                {
                    Parameters =
                    {
                        new() { Value = last },
                        new() { Value = (object?)batch.Token ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
                        new() { Value = workerId },
                        new() { Value = batch.Generation },
                        new() { Value = batch.Checkpoint },
                        new() { Value = batch.LeaseUntil },
                        new() { Value = (object?)batch.HandlerVersion ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer },
                        new() { Value = unjournaledThrough },
                    },
                },
            },
        };
        if (journalAbove is { } final)
        {
            fence.BatchCommands[0].Parameters.Add(new() { Value = final });
            PostgresReorgJournal.Name(fence, workerId, firstSeq);
        }

        // The fence's statement comes first: its one row, or none, is the first result.
        await using var reader = await fence.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken);
    }

    /// <summary>The index of the first event above <paramref name="seq"/> (the count when none is).</summary>
    private static int FirstAbove(IReadOnlyList<SourceEvent> events, long seq)
    {
        var i = 0;
        while (i < events.Count && events[i].Seq <= seq)
        {
            i++;
        }

        return i;
    }

    public async Task<RollbackResult> RollBackAsync(string workerId, CommitRollback rollback, CancellationToken cancellationToken)
    {
        var handler = Handler(workerId, rollback.Binding);
        var journaled = handler.JournaledTables.Count > 0;
        var hook = handler as IRewindableHandler;
        if (!journaled && hook is null)
        {
            return RollbackResult.Refused(
                rollback.Checkpoint,
                $"handler '{rollback.Binding.HandlerName}' declares no journaled tables ({nameof(IPostgresHandler.JournaledTables)}) and has no rewind hook ({nameof(IRewindableHandler)}), so Overseer cannot undo its rows: rewind it past the fork and resume it");
        }

        await schema.EnsureAsync(rollback.Binding.HandlerName, handler, cancellationToken);
        await using var connection = await database.Source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var to = rollback.ToSeq;
        var row = await PostgresCursorStore.LockAsync(connection, transaction, workerId, create: false, cancellationToken);
        if (row is not { } c || c.Generation != rollback.Generation || c.Stopped)
        {
            return new RollbackResult(CommitOutcome.Fenced, row?.Checkpoint ?? 0);
        }

        var checkpoint = c.Checkpoint ?? 0;
        if (checkpoint == to && c.Token == rollback.Token)
        {
            return new RollbackResult(CommitOutcome.Committed, checkpoint); // a retry whose reply was lost
        }

        if (checkpoint < rollback.Checkpoint)
        {
            return new RollbackResult(CommitOutcome.StoreBehind, checkpoint);
        }

        if (checkpoint > rollback.Checkpoint)
        {
            return new RollbackResult(CommitOutcome.StoreAhead, checkpoint);
        }

        if (to > checkpoint)
        {
            throw new InvalidOperationException(
                $"rollback of worker '{workerId}' to {to} refused: the target is beyond its checkpoint {checkpoint}");
        }

        // The journal undoes what it covers; beyond it (events committed without one: final when committed, from a source
        // that names no final seq, or by an older release) only the handler's rewind hook can.
        var unjournaled = c.UnjournaledThrough ?? checkpoint;
        journaled = journaled && to >= unjournaled;
        if (!journaled && hook is null)
        {
            return RollbackResult.Refused(
                checkpoint,
                $"its events up to seq {unjournaled} were committed without a before-image journal (final when committed, from a source that names no final seq, or by an older release) and handler '{rollback.Binding.HandlerName}' has no rewind hook ({nameof(IRewindableHandler)}), so Overseer cannot undo them: rewind it past the fork and resume it");
        }

        var context = new PostgresHandlerContext(workerId, rollback.Binding.HandlerOptions, connection, transaction);
        long removed = 0;
        if (journaled)
        {
            try
            {
                removed = await PostgresReorgJournal.UndoAsync(connection, transaction, workerId, to, cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresReorgJournal.Mismatch)
            {
                await transaction.RollbackAsync(cancellationToken);
                return RollbackResult.Refused(checkpoint, $"{ex.MessageText}: nothing was undone; rewind it past the fork and resume it");
            }
        }
        else
        {
            await hook!.RewindAsync(to, context, cancellationToken);
        }

        await handler.RolledBackAsync(to, context, cancellationToken);
        await MoveBackAsync(connection, transaction, workerId, to, rollback.Token, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new RollbackResult(CommitOutcome.Committed, to, removed);
    }

    public async Task<DeadLetter> ReplayAsync(string workerId, WorkerBinding binding, long seq, CancellationToken cancellationToken)
    {
        var handler = Handler(workerId, binding);
        await schema.EnsureAsync(binding.HandlerName, handler, cancellationToken);
        await using var connection = await database.Source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // The cursor row's lock orders the replay among the worker's commits (each one advances that row).
        if (await PostgresCursorStore.LockAsync(connection, transaction, workerId, create: false, cancellationToken) is not { } row)
        {
            throw OverseerException.Invalid($"worker '{workerId}' has no cursor in {database.Describe()}, so no dead letters to replay");
        }

        // A replay writes the handler's effects beside the worker's: only with the version they were committed with.
        if (HandlerVersions.Differ(row.HandlerVersion, handler.Version))
        {
            throw OverseerException.Conflict(
                $"replay of worker '{workerId}''s dead letter at seq {seq} refused: its effects were committed with handler version {row.HandlerVersion} and handler '{binding.HandlerName}' on this silo is version {handler.Version}; "
                + "replay it once the worker runs this version (after overseer accept, or a rebuild with rewind --to 0), or from a silo with the committed version");
        }

        var letter = await PostgresDeadLetters.TakeAsync(connection, transaction, workerId, seq, cancellationToken)
            ?? throw OverseerException.Invalid($"worker '{workerId}' has no dead letter at seq {seq}: list them with 'overseer dead-letters {workerId}'");
        if (handler.JournaledTables.Count > 0)
        {
            // Journaled like any event above the final seq (forgotten by the next commit if it is final), so that a reorg
            // undoes a replay of an event it takes back.
            await PostgresReorgJournal.NameAsync(connection, transaction, workerId, seq, cancellationToken);
        }

        await HandleAsync(workerId, binding, handler, [new SourceEvent(letter.Seq, letter.Payload)], connection, transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return letter;
    }

    public Task RecordFailureAsync(string workerId, long seq, string errorType, string error, CancellationToken cancellationToken) =>
        _deadLetters.RecordFailureAsync(workerId, seq, errorType, error, cancellationToken);

    public Task<bool> DiscardAsync(string workerId, long seq, CancellationToken cancellationToken) =>
        _deadLetters.DiscardAsync(workerId, seq, cancellationToken);

    public Task<long> CountAsync(string workerId, CancellationToken cancellationToken) =>
        _deadLetters.CountAsync(workerId, cancellationToken);

    public Task<DeadLetterPage> ListAsync(string? workerId, DeadLetterPosition? after, int limit, CancellationToken cancellationToken) =>
        _deadLetters.ListAsync(workerId, after, limit, cancellationToken);

    /// <summary>The handler's writes for <paramref name="events"/>; a failure that is not an outage becomes a
    /// <see cref="HandlerFailedException"/> (the caller's transaction then rolls back).</summary>
    private static Task HandleAsync(
        string workerId, WorkerBinding binding, IPostgresHandler handler, IReadOnlyList<SourceEvent> events, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        HandlerFailures.GuardAsync(workerId, binding.HandlerName, async () =>
        {
            await handler.HandleAsync(
                new HandlerBatch(workerId, events, binding.HandlerOptions),
                new PostgresHandlerContext(workerId, binding.HandlerOptions, connection, transaction),
                cancellationToken);
            return true;
        });

    public string? WhyEffectsCannotBeRemoved(WorkerBinding binding) =>
        binding.Handler is IRewindableHandler
            ? null
            : $"handler '{binding.HandlerName}' writes to PostgreSQL and has no rewind hook ({nameof(IRewindableHandler)}), so Overseer cannot remove its rows";

    public async Task<long?> RewindAsync(string workerId, WorkerBinding binding, long generation, long toSeq, string? token, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(toSeq);
        var hook = binding.Handler as IRewindableHandler
            ?? throw new InvalidOperationException($"rewind of worker '{workerId}' refused: {WhyEffectsCannotBeRemoved(binding)}");
        await schema.EnsureAsync(binding.HandlerName, hook, cancellationToken);
        await using var connection = await database.Source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var row = await PostgresCursorStore.LockAsync(connection, transaction, workerId, create: false, cancellationToken);
        if (row is not { } c || c.Generation != generation || !c.Stopped)
        {
            throw new InvalidOperationException($"rewind of worker '{workerId}' refused: fenced: the worker was started or stopped again");
        }

        if (toSeq > (c.Checkpoint ?? 0))
        {
            throw new InvalidOperationException($"rewind of worker '{workerId}' refused: rewind target {toSeq} is beyond the checkpoint {c.Checkpoint ?? 0}");
        }

        await hook.RewindAsync(toSeq, new PostgresHandlerContext(workerId, binding.HandlerOptions, connection, transaction), cancellationToken);

        await MoveBackAsync(connection, transaction, workerId, toSeq, token, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    /// <summary>The cursor's move back to <paramref name="toSeq"/> once the effects after it are removed (a rewind, a
    /// rollback), in the caller's transaction: the dead letters and journaled before-images of the events after it go
    /// with their effects (those events are indexed again), and the checkpoint and token move back. A move to 0 removed
    /// every effect of the version they were written with: the next commit records its own.</summary>
    private static async Task MoveBackAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string workerId, long toSeq, string? token, CancellationToken cancellationToken)
    {
        // One round trip.
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(PostgresReorgJournal.Forget) { Parameters = { new() { Value = workerId }, new() { Value = toSeq } } },
                new NpgsqlBatchCommand($"DELETE FROM {PostgresDeadLetters.Table} WHERE worker = $1 AND seq > $2") { Parameters = { new() { Value = workerId }, new() { Value = toSeq } } },
                new NpgsqlBatchCommand(
                    $"""
                    UPDATE {Table} SET checkpoint = $1, token = $2, handler_version = CASE WHEN $1 = 0 THEN NULL ELSE handler_version END,
                        unjournaled_through = least(coalesce(unjournaled_through, checkpoint), $1), updated_at = now()
                    WHERE worker = $3
                    """)
                {
                    Parameters =
                    {
                        new() { Value = toSeq },
                        new() { Value = (object?)token ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
                        new() { Value = workerId },
                    },
                },
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long?> DeleteAsync(string workerId, WorkerBinding binding, long? generation, bool keepEffects, CancellationToken cancellationToken)
    {
        var hook = keepEffects ? null : binding.Handler as IRewindableHandler;
        if (!keepEffects && hook is null)
        {
            throw new InvalidOperationException($"delete of worker '{workerId}' refused: {WhyEffectsCannotBeRemoved(binding)}");
        }

        await schema.EnsureAsync(binding.HandlerName, hook, cancellationToken);
        await using var connection = await database.Source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (generation is { } mine && await PostgresCursorStore.LockAsync(connection, transaction, workerId, create: false, cancellationToken) is { } row && row.Generation != mine)
        {
            throw new GenerationMovedException(workerId, mine, row.Generation);
        }

        if (hook is not null)
        {
            await hook.RewindAsync(0, new PostgresHandlerContext(workerId, binding.HandlerOptions, connection, transaction), cancellationToken);
        }

        await PostgresReorgJournal.ForgetAsync(connection, transaction, workerId, afterSeq: -1, cancellationToken);
        await using (var letters = new NpgsqlCommand($"DELETE FROM {PostgresDeadLetters.Table} WHERE worker = $1", connection, transaction))
        {
            letters.Parameters.Add(new() { Value = workerId });
            await letters.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var delete = new NpgsqlCommand($"DELETE FROM {Table} WHERE worker = $1", connection, transaction);
        delete.Parameters.Add(new() { Value = workerId });
        await delete.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    public async Task<(long Effects, bool HasCursor)> InspectAsync(string workerId, CancellationToken cancellationToken)
    {
        var cursor = await Cursors.GetAsync(workerId, cancellationToken);
        return (0, cursor.Generation > 0);
    }

    public Task<IReadOnlyList<SourceEvent>> ReadAsync(string workerId, long fromSeq, int count, CancellationToken cancellationToken) =>
        throw OverseerException.Invalid(
            $"worker '{workerId}' writes to PostgreSQL through its handler: its events are that handler's rows, so query them in {database.Describe()}; 'events' reads only workers on the Redis stream output");

    private static IPostgresHandler Handler(string workerId, WorkerBinding binding) =>
        binding.Handler as IPostgresHandler
        ?? throw new InvalidOperationException($"worker '{workerId}' is bound to the PostgreSQL output but its handler '{binding.HandlerName}' is not an {nameof(IPostgresHandler)}");

    /// <summary>Why the fence refused a batch (the row read again, outside the rolled-back transaction).</summary>
    private static async Task<CommitResult> RefusedAsync(NpgsqlConnection connection, string workerId, CommitBatch batch, long last, CancellationToken cancellationToken)
    {
        await using var read = new NpgsqlCommand(
            $"SELECT generation, checkpoint, stopped, handler_version FROM {Table} WHERE worker = $1",
            connection);
        read.Parameters.Add(new() { Value = workerId });
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return new CommitResult(CommitOutcome.Fenced, 0);
        }

        var generation = reader.GetInt64(0);
        var checkpoint = reader.IsDBNull(1) ? 0 : reader.GetInt64(1);
        var stopped = reader.GetBoolean(2);
        int? version = reader.IsDBNull(3) ? null : reader.GetInt32(3);
        if (generation != batch.Generation || stopped)
        {
            return new CommitResult(CommitOutcome.Fenced, checkpoint);
        }

        if (checkpoint == last)
        {
            return new CommitResult(CommitOutcome.Committed, checkpoint);
        }

        if (checkpoint < batch.Checkpoint)
        {
            return new CommitResult(CommitOutcome.StoreBehind, checkpoint);
        }

        if (checkpoint != batch.Checkpoint)
        {
            return new CommitResult(CommitOutcome.StoreAhead, checkpoint);
        }

        if (batch.HandlerVersion is { } mine && version is { } stored && stored != mine)
        {
            return new CommitResult(CommitOutcome.VersionChanged, checkpoint, stored);
        }

        return new CommitResult(CommitOutcome.LeaseExpired, checkpoint);
    }
}
