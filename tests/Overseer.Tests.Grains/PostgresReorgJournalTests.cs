using System.Collections.Immutable;
using Npgsql;
using Overseer.Outputs;
using Overseer.Outputs.Postgres;
using Overseer.Sources;
using Overseer.Testing;

namespace Overseer.Tests.Grains;

/// <summary>The PostgreSQL output's reorg journal against a real PostgreSQL, through the output itself: a handler that
/// declares its tables (<see cref="LedgerHandler"/>: inserts, updates, deletes, primary-key changes, awkward types) commits
/// batches that straddle the source's final seq; a rollback to any seq above what was final restores both tables exactly
/// as they were after that seq (compared with a reference worker's snapshot taken there), in one fenced step; a rollback
/// it cannot undo exactly is refused whole, naming why.</summary>
public sealed class PostgresReorgJournalTests : IAsyncLifetime
{
    private const int Events = 40;
    private PostgresServer _postgres = null!;
    private PostgresDatabase _database = null!;
    private string _connectionString = null!;
    private PostgresOutput _output = null!;
    private WorkerBinding _binding = null!;
    private readonly List<SourceEvent> _events = Commands(seed: 20261206);

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.StartNewAsync();
        _connectionString = await _postgres.CreateDatabaseAsync($"journal_{Guid.NewGuid():N}");
        _database = new PostgresDatabase(_connectionString);
        _output = new PostgresOutput(_database, new PostgresSchema(_database));
        _binding = new WorkerBinding(_output, LedgerHandler.Name, new LedgerHandler(), ImmutableSortedDictionary<string, string>.Empty);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    /// <summary>Set, delete and move commands over six keys, each valid where it stands (a move goes to a free key).</summary>
    private static List<SourceEvent> Commands(int seed)
    {
        var random = new Random(seed);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var events = new List<SourceEvent>();
        for (var seq = 1; seq <= Events; seq++)
        {
            var key = ((char)('a' + random.Next(6))).ToString();
            var free = Enumerable.Range(0, 6).Select(i => ((char)('a' + i)).ToString()).Where(k => !keys.Contains(k)).ToList();
            var roll = random.Next(10);
            string command;
            if (keys.Contains(key) && roll < 2)
            {
                command = $"del|{key}";
                keys.Remove(key);
            }
            else if (keys.Contains(key) && roll < 4 && free.Count > 0)
            {
                var to = free[random.Next(free.Count)];
                command = $"move|{key}|{to}";
                keys.Remove(key);
                keys.Add(to);
            }
            else
            {
                command = $"set|{key}|{random.Next(1, 1000)}";
                keys.Add(key);
            }

            events.Add(new SourceEvent(seq, command));
        }

        return events;
    }

    private async Task<long> ClaimAsync(string id) => (await _output.Cursors.ClaimAsync(id, start: true, CancellationToken.None)).Generation;

    private async Task<long> CommitAsync(string id, long generation, long checkpoint, int count, long finalThrough)
    {
        var events = _events.Skip((int)checkpoint).Take(count).ToList();
        var result = await _output.CommitAsync(
            id,
            new CommitBatch(generation, checkpoint, events, SequenceDensity.Dense, $"t{events[^1].Seq}", 0, _binding, FinalThrough: finalThrough),
            CancellationToken.None);
        Assert.Equal(new CommitResult(CommitOutcome.Committed, events[^1].Seq), result);
        return result.Checkpoint;
    }

    private Task<RollbackResult> RollBackAsync(string id, long generation, long checkpoint, long to) =>
        _output.RollBackAsync(id, new CommitRollback(generation, checkpoint, to, $"t{to}", _binding), CancellationToken.None);

    /// <summary>The reference: one event per commit, the tables' rows after each seq (index = seq).</summary>
    private async Task<List<List<string>>> SnapshotsAsync()
    {
        var generation = await ClaimAsync("ref");
        var snapshots = new List<List<string>> { new() };
        for (var seq = 0; seq < Events; seq++)
        {
            await CommitAsync("ref", generation, seq, 1, finalThrough: 0);
            snapshots.Add(await LedgerHandler.RowsAsync(_connectionString, "ref"));
        }

        return snapshots;
    }

    private Task<List<string>> RowsAsync() => LedgerHandler.RowsAsync(_connectionString, "main");

    [Fact]
    public async Task Rollback_ToEverySeqAboveTheFinalOne_RestoresBothTablesExactly_AndOnlyTheJournalOfWhatIsFinalIsForgotten()
    {
        var snapshots = await SnapshotsAsync();
        var generation = await ClaimAsync("main");
        var checkpoint = 0L;
        foreach (var size in new[] { 5, 1, 7, 3, 10, 14 })
        {
            checkpoint = await CommitAsync("main", generation, checkpoint, size, finalThrough: 8);
        }

        Assert.Equal(snapshots[Events], await RowsAsync());

        // Down, one rollback at a time, to every seq above the final one; each time the chain "comes back" to the top.
        for (var to = Events - 1; to >= 8; to -= 3)
        {
            var rolled = await RollBackAsync("main", generation, checkpoint, to);
            Assert.Equal((CommitOutcome.Committed, to, null), (rolled.Outcome, rolled.Checkpoint, rolled.Refusal));
            Assert.Equal(Events - to, rolled.Removed);
            Assert.True(snapshots[(int)to].SequenceEqual(await RowsAsync()), $"after the rollback to {to} the tables are not as they were after seq {to}");
            Assert.Equal((to, $"t{to}"), await CursorAsync("main"));

            // A retry whose reply was lost: reported rolled back, nothing more undone.
            Assert.Equal(CommitOutcome.Committed, (await RollBackAsync("main", generation, checkpoint, to)).Outcome);
            Assert.Equal(snapshots[(int)to], await RowsAsync());

            checkpoint = await CommitAsync("main", generation, to, (int)(Events - to), finalThrough: 8);
            Assert.Equal(snapshots[Events], await RowsAsync());
        }

        // The source says seq 20 is final now: the journal of seqs up to 20 is forgotten, and a rollback below it refused.
        var rolledTo30 = await RollBackAsync("main", generation, checkpoint, 30);
        Assert.Equal(CommitOutcome.Committed, rolledTo30.Outcome);
        checkpoint = await CommitAsync("main", generation, 30, Events - 30, finalThrough: 20);
        Assert.Equal(0L, await JournalRowsAsync("main", atOrBelow: 20));
        var refused = await RollBackAsync("main", generation, checkpoint, 15);
        Assert.Contains("its events up to seq 20 were committed without a before-image journal", refused.Refusal, StringComparison.Ordinal);
        Assert.Equal(snapshots[Events], await RowsAsync());
        Assert.Equal((checkpoint, $"t{checkpoint}"), await CursorAsync("main"));
    }

    [Fact]
    public async Task Rollback_OfARowSomethingElseChanged_IsRefusedWhole_NamingTheRow_AndAFencedOneChangesNothing()
    {
        var generation = await ClaimAsync("main");
        var checkpoint = await CommitAsync("main", generation, 0, Events, finalThrough: 0);
        var before = await RowsAsync();

        await using (var connection = new NpgsqlConnection(_connectionString + ";Pooling=false"))
        {
            await connection.OpenAsync();
            await using var tamper = new NpgsqlCommand("UPDATE ledger_log SET command = 'tampered' WHERE worker = 'main' AND seq = 35", connection);
            Assert.Equal(1, await tamper.ExecuteNonQueryAsync());
        }

        var tampered = await RowsAsync();
        var refused = await RollBackAsync("main", generation, checkpoint, 30);
        Assert.Equal(CommitOutcome.Fenced, refused.Outcome);
        Assert.Contains("cannot undo a journaled insert of a row of public.ledger_log for worker main: the row is no longer as the journal left it", refused.Refusal, StringComparison.Ordinal);
        Assert.Equal(tampered, await RowsAsync());
        Assert.Equal((checkpoint, $"t{checkpoint}"), await CursorAsync("main"));
        Assert.NotEqual(before, tampered);

        var fenced = await RollBackAsync("main", generation + 1, checkpoint, 30);
        Assert.Equal((CommitOutcome.Fenced, null), (fenced.Outcome, fenced.Refusal));
        Assert.Equal(tampered, await RowsAsync());
    }

    [Fact]
    public async Task FencedCommit_ForgetsNoneOfTheJournal_AndWaitsForNoneOfItsRows()
    {
        var generation = await ClaimAsync("main");
        var checkpoint = await CommitAsync("main", generation, 0, Events - 1, finalThrough: 0);
        var journaled = await JournalRowsAsync("main", atOrBelow: 30);
        Assert.True(journaled > 0, "nothing was journaled at or below seq 30 to begin with");

        // Another transaction holds the journal's rows that a commit saying "final through 30" would forget.
        await using var holder = new NpgsqlConnection(_connectionString + ";Pooling=false");
        await holder.OpenAsync();
        await using var holding = await holder.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand($"SELECT 1 FROM {PostgresReorgJournal.Table} WHERE worker = 'main' AND seq <= 30 FOR UPDATE", holder, holding))
        {
            await hold.ExecuteNonQueryAsync();
        }

        // A commit of another generation (a stale activation's) is refused by the fence before it touches the journal.
        var fenced = _output.CommitAsync(
            "main",
            new CommitBatch(generation + 1, checkpoint, [_events[^1]], SequenceDensity.Dense, "stale", 0, _binding, FinalThrough: 30),
            CancellationToken.None);
        Assert.True(
            await Task.WhenAny(fenced, Task.Delay(TimeSpan.FromSeconds(20))) == fenced,
            "the fenced commit did not return within 20 s: it waited for the journal rows another transaction holds, which it should not touch");
        Assert.Equal(CommitOutcome.Fenced, (await fenced).Outcome);
        await holding.RollbackAsync();
        Assert.Equal(journaled, await JournalRowsAsync("main", atOrBelow: 30));
        Assert.Equal((checkpoint, $"t{checkpoint}"), await CursorAsync("main"));
    }

    /// <summary>A dead letter of an event above the final seq, replayed later, is journaled under the event's own seq: a
    /// reorg that takes the event back undoes the replay with it, and the new branch's event at that seq is applied once,
    /// over the tables as they were before it.</summary>
    [Fact]
    public async Task ReplayedDeadLetter_OfAnEventAReorgTakesBack_IsUndoneByTheRollback()
    {
        var snapshots = await SnapshotsAsync();
        var generation = await ClaimAsync("main");
        var checkpoint = await CommitAsync("main", generation, 0, Events - 1, finalThrough: 8);
        var poison = _events[^1];
        var passed = await _output.CommitAsync(
            "main",
            new CommitBatch(generation, checkpoint, [poison], SequenceDensity.Dense, $"t{poison.Seq}", 0, _binding, new PoisonPass(DeadLetter: true, "FormatException", "bad event", 3), FinalThrough: 8),
            CancellationToken.None);
        Assert.Equal(new CommitResult(CommitOutcome.Committed, Events), passed);
        Assert.Equal(snapshots[Events - 1], await RowsAsync());

        var letter = await _output.ReplayAsync("main", _binding, Events, CancellationToken.None);
        Assert.Equal(Events, letter.Seq);
        Assert.Equal(snapshots[Events], await RowsAsync());

        var rolled = await RollBackAsync("main", generation, Events, Events - 1);
        Assert.Equal((CommitOutcome.Committed, (long)Events - 1, null), (rolled.Outcome, rolled.Checkpoint, rolled.Refusal));
        Assert.True(snapshots[Events - 1].SequenceEqual(await RowsAsync()), $"after the rollback to {Events - 1} the replayed dead letter's rows of seq {Events} are still there");

        await CommitAsync("main", generation, Events - 1, 1, finalThrough: 8);
        Assert.Equal(snapshots[Events], await RowsAsync());
    }

    private async Task<(long, string?)> CursorAsync(string id)
    {
        var cursor = await _output.Cursors.GetAsync(id, CancellationToken.None);
        return (cursor.Checkpoint, cursor.Token);
    }

    private async Task<long> JournalRowsAsync(string id, long atOrBelow)
    {
        await using var connection = new NpgsqlConnection(_connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM {PostgresReorgJournal.Table} WHERE worker = $1 AND seq <= $2", connection);
        count.Parameters.Add(new() { Value = id });
        count.Parameters.Add(new() { Value = atOrBelow });
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
