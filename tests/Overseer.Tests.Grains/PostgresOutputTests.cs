using System.Collections.Immutable;
using Npgsql;
using Overseer.Outputs;
using Overseer.Outputs.Postgres;
using Overseer.Sources;
using Overseer.Testing;

namespace Overseer.Tests.Grains;

/// <summary>The output contract on the PostgreSQL output against a real PostgreSQL (a handler's rows and the cursor row
/// in one transaction per batch), plus what only this output has: a handler that throws commits nothing, a stop waits
/// for a batch in flight and fences every later one, a database killed mid-transaction keeps neither half, and rewind
/// or delete need the handler's hook.</summary>
public sealed class PostgresOutputTests : OutputContractTests
{
    private PostgresServer _postgres = null!;
    private PostgresDatabase _database = null!;
    private string _connectionString = null!;
    private readonly RecordingHandler _handler = new();

    private protected override async Task<OutputHarness> StartAsync()
    {
        _postgres = await PostgresServer.StartNewAsync();
        _connectionString = await _postgres.CreateDatabaseAsync($"out_{Guid.NewGuid():N}");
        _database = new PostgresDatabase(_connectionString);
        var output = new PostgresOutput(_database, new PostgresSchema(_database));
        return new OutputHarness(output, Bind(output, _handler, RecordingHandler.Name), id => RecordingHandler.SeqsAsync(_connectionString, id), countsEffects: false);
    }

    private static WorkerBinding Bind(IWorkerOutput output, Handlers.IEventHandler handler, string name, params (string Key, string Value)[] options) =>
        new(output, name, handler, options.ToImmutableSortedDictionary(o => o.Key, o => o.Value, StringComparer.Ordinal));

    private protected override async Task StopAsync()
    {
        await _database.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    private protected override async Task<long> StoreNowMsAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var now = new NpgsqlCommand("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint", connection);
        return (long)(await now.ExecuteScalarAsync())!;
    }

    private protected override async Task RestartStoreAsync()
    {
        await _postgres.KillAsync();
        await _postgres.StartAsync();
        NpgsqlConnection.ClearAllPools();
    }

    [Fact]
    public async Task CursorTable_FromBeforeHandlerVersions_IsUpgradedInPlace_AndItsCursorTakesTheFirstVersionCommitted()
    {
        // overseer_cursors as a release before handler versions created it, with a worker at checkpoint 3.
        await using (var connection = new NpgsqlConnection(_connectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand(
                $"""
                CREATE TABLE {PostgresSchema.CursorTable} (worker text PRIMARY KEY, generation bigint NOT NULL, checkpoint bigint, token text,
                    stopped boolean NOT NULL DEFAULT false, updated_at timestamptz NOT NULL DEFAULT now());
                INSERT INTO {PostgresSchema.CursorTable} (worker, generation, checkpoint) VALUES ('old', 5, 3);
                """,
                connection);
            await create.ExecuteNonQueryAsync();
        }

        var cursor = await _sink.ClaimAsync("old", start: false, CancellationToken.None);
        var committed = await CommitAsync("old", Batch(cursor, 3, Range(4, 5)) with { HandlerVersion = 7 });
        var other = await CommitAsync("old", Batch(cursor, 5, Range(6, 6)) with { HandlerVersion = 8 });

        Assert.Equal((3L, (int?)null), (cursor.Checkpoint, cursor.HandlerVersion));
        Assert.Equal(CommitOutcome.Committed, committed.Outcome);
        Assert.Equal(new CommitResult(CommitOutcome.VersionChanged, 5, 7), other);
        Assert.Equal(7, (await _sink.GetCursorAsync("old", CancellationToken.None)).HandlerVersion);
        Assert.Equal(new long[] { 4, 5 }, await SeqsAsync("old"));
    }

    [Fact]
    public async Task Replay_OfADeadLetter_ByAnotherHandlerVersion_IsRefused_AndLeavesIt()
    {
        var cursor = await _sink.ClaimAsync("dl", start: true, CancellationToken.None);
        await CommitAsync("dl", Batch(cursor, 0, Range(1, 2)) with { HandlerVersion = 1 });
        await CommitAsync("dl", Batch(cursor, 2, Range(3, 3)) with { HandlerVersion = 1, Pass = new PoisonPass(DeadLetter: true, "System.FormatException", "bad", 1) });
        var letters = _sink.Output.DeadLetters!;
        var newer = Bind(_sink.Output, new VersionedHandler { Version = 2 }, VersionedHandler.Name);

        var refused = await Assert.ThrowsAsync<Overseer.Errors.OverseerException>(() => letters.ReplayAsync("dl", newer, 3, CancellationToken.None));
        var replayed = await letters.ReplayAsync("dl", _sink.Binding, 3, CancellationToken.None);

        Assert.Equal(Overseer.Errors.OverseerErrorCode.Conflict, refused.Code);
        Assert.Contains("committed with handler version 1", refused.Message);
        Assert.Contains("is version 2", refused.Message);
        Assert.Equal(3, replayed.Seq);
        Assert.Equal(new long[] { 1, 2, 3 }, await SeqsAsync("dl"));
    }

    [Fact]
    public async Task Commit_WhenTheHandlerThrows_CommitsNeitherRowsNorCursor()
    {
        var cursor = await _sink.ClaimAsync("boom", start: true, CancellationToken.None);
        await CommitAsync("boom", Batch(cursor, 0, Range(1, 3)));
        var failing = Batch(cursor, 3, Range(4, 6)) with { Binding = Bind(_sink.Output, _handler, RecordingHandler.Name, ("failAt", "5")) };

        var thrown = await Assert.ThrowsAsync<Overseer.Handlers.HandlerFailedException>(() => CommitAsync("boom", failing));

        Assert.Contains("seq 5", thrown.Message);
        Assert.Equal(3, (await _sink.GetCursorAsync("boom", CancellationToken.None)).Checkpoint);
        Assert.Equal(new long[] { 1, 2, 3 }, await SeqsAsync("boom"));
    }

    [Fact]
    public async Task Stop_WhileABatchIsInFlight_WaitsForIt_AndFencesEveryLaterBatch()
    {
        var cursor = await _sink.ClaimAsync("zombie", start: true, CancellationToken.None);
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _handler.Gate = async batch =>
        {
            if (batch.WorkerId == "zombie")
            {
                inside.TrySetResult();
                await release.Task;
            }
        };

        var inFlight = CommitAsync("zombie", Batch(cursor, 0, Range(1, 4)));
        await inside.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var stop = _sink.StopAsync("zombie", CancellationToken.None);
        var stopWaited = await Task.WhenAny(stop, Task.Delay(TimeSpan.FromMilliseconds(300))) != stop;
        release.SetResult();
        _handler.Gate = null;
        var committed = await inFlight;
        var stopped = await stop;
        var late = await CommitAsync("zombie", Batch(cursor, 4, Range(5, 6)));

        Assert.True(stopWaited, "the stop must wait on the cursor row a batch in flight holds");
        Assert.Equal(CommitOutcome.Committed, committed.Outcome);
        Assert.Equal(4, stopped.Checkpoint);
        Assert.Equal(CommitOutcome.Fenced, late.Outcome);
        Assert.Equal(new long[] { 1, 2, 3, 4 }, await SeqsAsync("zombie"));
    }

    [Fact]
    public async Task Commit_WhenPostgresIsKilledMidTransaction_KeepsNeitherHalf_AndTheRetryCommitsOnce()
    {
        var cursor = await _sink.ClaimAsync("kill", start: true, CancellationToken.None);
        await CommitAsync("kill", Batch(cursor, 0, Range(1, 2)));
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _handler.Gate = async batch =>
        {
            inside.TrySetResult();
            await release.Task;
        };

        var inFlight = CommitAsync("kill", Batch(cursor, 2, Range(3, 5)));
        await inside.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await _postgres.KillAsync();
        _handler.Gate = null;
        release.SetResult();
        var failed = await Assert.ThrowsAnyAsync<Exception>(() => inFlight);
        await _postgres.StartAsync();
        NpgsqlConnection.ClearAllPools();
        var retried = await Eventually.UntilAsync(
            async () => { try { return await CommitAsync("kill", Batch(cursor, 2, Range(3, 5))); } catch (Exception ex) when (StoreFaults.IsTransient(ex)) { return new CommitResult(CommitOutcome.Fenced, -1); } },
            r => r.Checkpoint >= 0,
            TimeSpan.FromSeconds(30),
            r => $"the retried commit after PostgreSQL came back (last result {r})");

        Assert.True(StoreFaults.IsTransient(failed), $"a killed database must be an outage, not a crash: {failed.GetType().Name}: {failed.Message}");
        Assert.Equal(new CommitResult(CommitOutcome.Committed, 5), retried);
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, await SeqsAsync("kill"));
    }

    [Fact]
    public async Task RewindAndDelete_WithoutTheHandlersHook_AreRefused_AndChangeNothing()
    {
        var hookless = Bind(_sink.Output, new HooklessHandler(), HooklessHandler.Name);
        var cursor = await _sink.ClaimAsync("nohook", start: true, CancellationToken.None);
        await CommitAsync("nohook", Batch(cursor, 0, Range(1, 5)) with { Binding = hookless });
        var stop = await _sink.StopAsync("nohook", CancellationToken.None);

        var rewind = await Assert.ThrowsAsync<InvalidOperationException>(() => _sink.Output.RewindAsync("nohook", hookless, stop.Generation, 2, null, CancellationToken.None));
        var delete = await Assert.ThrowsAsync<InvalidOperationException>(() => _sink.Output.DeleteAsync("nohook", hookless, stop.Generation, keepEffects: false, CancellationToken.None));

        Assert.Contains("no rewind hook", rewind.Message);
        Assert.Contains("no rewind hook", delete.Message);
        Assert.NotNull(_sink.Output.WhyEffectsCannotBeRemoved(hookless));
        Assert.Equal(5, (await _sink.GetCursorAsync("nohook", CancellationToken.None)).Checkpoint);
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, await SeqsAsync("nohook"));
        Assert.Null(await _sink.Output.DeleteAsync("nohook", hookless, stop.Generation, keepEffects: true, CancellationToken.None));
        Assert.Equal((0L, false), await _sink.InspectAsync("nohook", CancellationToken.None));
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, await SeqsAsync("nohook"));
    }

    /// <summary>A new worker's cursor over one with committed effects (a delete cut short before its output step, or a
    /// worker whose grain state was lost) reset the checkpoint to 0, and the new worker applied events 1.. again on top of
    /// the handler's rows. It is refused, as the Redis stream refuses kept events, until a delete removes both.</summary>
    [Fact]
    public async Task Create_OverACursorWithCommittedEffects_IsRefused_ChangingNothing_UntilADeleteRemovesThem()
    {
        var cursor = await _sink.ClaimAsync("left", start: true, CancellationToken.None);
        await CommitAsync("left", Batch(cursor, 0, Range(1, 5)));
        var stop = await _sink.StopAsync("left", CancellationToken.None);

        var refused = await _sink.CreateAsync("left", CancellationToken.None);
        var kept = await _sink.GetCursorAsync("left", CancellationToken.None);
        await _sink.DeleteAsync("left", stop.Generation, keepEvents: false, CancellationToken.None);
        var fresh = await _sink.CreateAsync("left", CancellationToken.None);

        Assert.Null(refused);
        Assert.Equal((stop.Generation, 5L, true), (kept.Generation, kept.Checkpoint, kept.Stopped));
        Assert.NotNull(fresh);
        Assert.Equal(0, fresh.Value.Checkpoint);
        Assert.Empty(await SeqsAsync("left"));
    }

    [Fact]
    public async Task Delete_WithTheHook_RemovesTheRowsAndTheCursor_AndANewWorkerBeginsAtOne()
    {
        var cursor = await _sink.ClaimAsync("del", start: true, CancellationToken.None);
        await CommitAsync("del", Batch(cursor, 0, Range(1, 5)));
        await _sink.StopAsync("del", CancellationToken.None);

        await _sink.DeleteAsync("del", keepEvents: false, CancellationToken.None);
        var fresh = await _sink.CreateAsync("del", CancellationToken.None);
        var again = await CommitAsync("del", Batch(fresh!.Value, 0, Range(1, 2)));

        Assert.Equal(0, fresh.Value.Checkpoint);
        Assert.Equal(CommitOutcome.Committed, again.Outcome);
        Assert.Equal(new long[] { 1, 2 }, await SeqsAsync("del"));
    }

    [Fact]
    public async Task Read_OfAPostgresWorker_IsRefused_NamingWhereItsRowsAre()
    {
        var refused = await Assert.ThrowsAsync<Errors.OverseerException>(() => _sink.ReadAsync("r", 1, 10, CancellationToken.None));

        Assert.Contains("writes to PostgreSQL", refused.Message);
    }
}
