using Npgsql;

namespace Overseer.Outputs.Postgres;

/// <summary>The before-images a reorg is undone from, for handlers that declare their tables
/// (<see cref="Handlers.IPostgresHandler.JournaledTables"/>): a row trigger on each such table writes, for every row a
/// batch of unfinalized events inserts, updates or deletes, the row before and after into
/// <see cref="Table"/>, tagged with the worker and the event's seq; a rollback replays them newest first, in the
/// transaction that moves the cursor back.</summary>
/// <remarks>
/// <para>Why triggers, not writes tracked through the handler context: the handler writes with plain Npgsql commands
/// (one <c>unnest</c> statement for a whole batch, upserts, CTEs), whose changed rows only the database knows; a trigger
/// sees every one of them, including those of <c>ON CONFLICT</c> and of the handler's own triggers, and costs the
/// author nothing but the list of tables.</para>
/// <para>The trigger journals only while the transaction says whose event it is (<c>overseer.worker</c>,
/// <c>overseer.seq</c>, set local to the transaction): writes to those tables by anything else — a final batch, a
/// migration, an operator — are not journaled. The output hands a batch's unfinalized events to the handler one at a
/// time, each under its own seq, so a rollback to any seq undoes exactly the events after it.</para>
/// <para>Undo restores each row by its primary key from the JSON images (<c>jsonb_populate_record</c>): an insert is
/// deleted, an update set back, a delete inserted again. A row that is no longer as the journal left it (another
/// worker, or someone else, changed it since) fails the rollback whole, with SQLSTATE <see cref="Mismatch"/> and a
/// message naming the table and key: nothing is undone halfway.</para>
/// </remarks>
internal static class PostgresReorgJournal
{
    public const string Table = "overseer_reorg_journal";

    /// <summary>The trigger's name on every journaled table.</summary>
    public const string Trigger = "overseer_reorg_journal";

    /// <summary>The SQLSTATE of an undo that found a row changed behind the journal's back.</summary>
    public const string Mismatch = "OV001";

    /// <summary>Overseer's journal table and functions; idempotent, run with Overseer's own tables.</summary>
    public const string Create = $$"""
        CREATE TABLE IF NOT EXISTS {{Table}} (
            id      bigserial PRIMARY KEY,
            worker  text NOT NULL,
            seq     bigint NOT NULL,
            tbl     text NOT NULL,
            op      "char" NOT NULL,
            old_row jsonb,
            new_row jsonb
        );
        CREATE INDEX IF NOT EXISTS {{Table}}_worker_seq ON {{Table}} (worker, seq);

        CREATE OR REPLACE FUNCTION overseer_journal_row() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $f$
        DECLARE
            s text := current_setting('overseer.seq', true);
        BEGIN
            IF s IS NULL OR s = '' THEN
                RETURN NULL;
            END IF;
            INSERT INTO {{Table}} (worker, seq, tbl, op, old_row, new_row)
            VALUES (current_setting('overseer.worker'), s::bigint, format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME), left(TG_OP, 1),
                    CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END, CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END);
            RETURN NULL;
        END $f$;

        CREATE OR REPLACE FUNCTION overseer_undo(p_worker text, p_to bigint) RETURNS bigint LANGUAGE plpgsql SET search_path FROM CURRENT AS $f$
        DECLARE
            r record;
            n bigint;
            events bigint;
        BEGIN
            PERFORM set_config('overseer.seq', '', true);
            SELECT count(DISTINCT seq) INTO events FROM {{Table}} WHERE worker = p_worker AND seq > p_to;
            -- Each table's primary key and columns are read from the catalog once, not per row.
            FOR r IN
                WITH tables AS (
                    SELECT t.tbl,
                        (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord)
                         FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                         WHERE i.indrelid = t.tbl::regclass AND i.indisprimary) AS keys,
                        (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
                         FROM pg_attribute a WHERE a.attrelid = t.tbl::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') AS cols
                    FROM (SELECT DISTINCT tbl FROM {{Table}} WHERE worker = p_worker AND seq > p_to) t)
                SELECT j.tbl, j.op, j.old_row, j.new_row, m.keys, m.cols
                FROM {{Table}} j JOIN tables m USING (tbl)
                WHERE j.worker = p_worker AND j.seq > p_to ORDER BY j.id DESC
            LOOP
                IF r.keys IS NULL THEN
                    RAISE EXCEPTION USING ERRCODE = '{{Mismatch}}', MESSAGE = format('table %s has no primary key, so its journaled rows cannot be restored', r.tbl);
                END IF;
                IF r.op = 'I' THEN
                    EXECUTE format('DELETE FROM %s AS o WHERE (%s) = (SELECT %s FROM jsonb_populate_record(NULL::%s, $1)) AND to_jsonb(o.*) = $1', r.tbl, r.keys, r.keys, r.tbl) USING r.new_row;
                ELSIF r.op = 'U' THEN
                    EXECUTE format('UPDATE %s AS o SET (%s) = (SELECT %s FROM jsonb_populate_record(NULL::%s, $1)) WHERE (%s) = (SELECT %s FROM jsonb_populate_record(NULL::%s, $2)) AND to_jsonb(o.*) = $2', r.tbl, r.cols, r.cols, r.tbl, r.keys, r.keys, r.tbl) USING r.old_row, r.new_row;
                ELSE
                    EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM jsonb_populate_record(NULL::%s, $1) ON CONFLICT DO NOTHING', r.tbl, r.cols, r.cols, r.tbl) USING r.old_row;
                END IF;
                GET DIAGNOSTICS n = ROW_COUNT;
                IF n <> 1 THEN
                    RAISE EXCEPTION USING ERRCODE = '{{Mismatch}}', MESSAGE = format(
                        'cannot undo a journaled %s of a row of %s for worker %s: the row is no longer as the journal left it (%s), so something else changed it since',
                        CASE r.op WHEN 'I' THEN 'insert' WHEN 'U' THEN 'update' ELSE 'delete' END, r.tbl, p_worker, coalesce(r.new_row, r.old_row));
                END IF;
            END LOOP;
            DELETE FROM {{Table}} WHERE worker = p_worker AND seq > p_to;
            RETURN events;
        END $f$;
        """;

    /// <summary>Puts the journal trigger on each of <paramref name="tables"/> (once; under the caller's DDL lock), after
    /// checking that each exists and has a primary key.</summary>
    public static async Task EnsureTriggersAsync(NpgsqlConnection connection, string handlerName, IReadOnlyList<string> tables, CancellationToken cancellationToken)
    {
        foreach (var table in tables)
        {
            await using var check = new NpgsqlCommand(
                $"""
                SELECT c.oid::regclass::text,
                       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary),
                       EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = c.oid AND g.tgname = '{Trigger}')
                FROM pg_class c WHERE c.oid = to_regclass($1)
                """,
                connection);
            check.Parameters.Add(new() { Value = table });
            string name;
            bool keyed, present;
            await using (var reader = await check.ExecuteReaderAsync(cancellationToken))
            {
                if (!await reader.ReadAsync(cancellationToken))
                {
                    throw new InvalidOperationException(
                        $"handler '{handlerName}' declares journaled table '{table}', which does not exist after its EnsureSchemaAsync: create it there, or name it as PostgreSQL knows it (schema.table)");
                }

                (name, keyed, present) = (reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2));
            }

            if (!keyed)
            {
                throw new InvalidOperationException(
                    $"handler '{handlerName}' declares journaled table '{name}', which has no primary key: a reorg's undo restores rows by their key, so give the table one (e.g. worker plus the event's own key)");
            }

            if (!present)
            {
                await using var create = new NpgsqlCommand(
                    $"CREATE TRIGGER {Trigger} AFTER INSERT OR UPDATE OR DELETE ON {name} FOR EACH ROW EXECUTE FUNCTION overseer_journal_row()",
                    connection);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }

    /// <summary>Makes the transaction's writes <paramref name="workerId"/>'s, the effects of the event at
    /// <paramref name="seq"/> (journaled under it), in one round trip. A commit does this in its fence's round trip, where
    /// it also forgets what was journaled for events that became final (<see cref="PostgresOutput"/>).</summary>
    public static async Task NameAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string workerId, long seq, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        Name(batch, workerId, seq);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Adds to <paramref name="batch"/> the statements that make the transaction's writes
    /// <paramref name="workerId"/>'s, and (<paramref name="firstSeq"/>) the effects of that event.</summary>
    public static void Name(NpgsqlBatch batch, string workerId, long? firstSeq)
    {
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT set_config('overseer.worker', $1, true)") { Parameters = { new() { Value = workerId } } });
        if (firstSeq is { } seq)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(SetSeq) { Parameters = { new() { Value = Text(seq) } } });
        }
    }

    private const string SetSeq = "SELECT set_config('overseer.seq', $1, true)";

    private static string Text(long seq) => seq.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The handler's next writes are the effects of the event at <paramref name="seq"/>: journaled under it.</summary>
    public static async Task AtAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long seq, CancellationToken cancellationToken)
    {
        await using var set = new NpgsqlCommand(SetSeq, connection, transaction);
        set.Parameters.Add(new() { Value = Text(seq) });
        await set.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Undoes every journaled row change of <paramref name="workerId"/>'s events after <paramref name="toSeq"/>,
    /// newest first, and forgets them; returns how many events had changed rows. Throws a
    /// <see cref="PostgresException"/> with SQLSTATE <see cref="Mismatch"/> when a row is not as the journal left it.</summary>
    public static async Task<long> UndoAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string workerId, long toSeq, CancellationToken cancellationToken)
    {
        await using var undo = new NpgsqlCommand("SELECT overseer_undo($1, $2)", connection, transaction);
        undo.Parameters.Add(new() { Value = workerId });
        undo.Parameters.Add(new() { Value = toSeq });
        return (long)(await undo.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The statement of <see cref="ForgetAsync"/> ($1 worker, $2 the seq after which), for a caller's batch.</summary>
    public const string Forget = $"DELETE FROM {Table} WHERE worker = $1 AND seq > $2";

    /// <summary>Forgets what was journaled for <paramref name="workerId"/>'s events after <paramref name="afterSeq"/>
    /// (their effects were removed by a rewind or a delete).</summary>
    public static async Task ForgetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string workerId, long afterSeq, CancellationToken cancellationToken)
    {
        await using var forget = new NpgsqlCommand(Forget, connection, transaction);
        forget.Parameters.Add(new() { Value = workerId });
        forget.Parameters.Add(new() { Value = afterSeq });
        await forget.ExecuteNonQueryAsync(cancellationToken);
    }
}
