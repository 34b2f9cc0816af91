using System.Collections.Immutable;
using Npgsql;
using Overseer.Errors;
using Overseer.Models;
using Overseer.Sources.Sequence;
using Overseer.Testing;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>Poison events (issue 18): a PostgreSQL handler that throws on chosen seqs, under each policy. What matters:
/// no restart budget is spent, the good neighbours of a bad event commit (bisection), every row exactly once, a halted
/// worker commits nothing after the bad event, a skip and a dead letter are committed with the checkpoint that passes
/// them, and a replay applies once.</summary>
public sealed class PoisonEventTests(PostgresCluster fixture) : IClassFixture<PostgresCluster>
{
    private const long Limit = 100;

    private static WorkerSpec Spec(PoisonPolicy? poison, params (string Key, string Value)[] handlerOptions) =>
        WorkerSpec.For("sequence", ("limit", $"{Limit}"), ("batch", "10")) with
        {
            Handler = RecordingHandler.Name,
            HandlerOptions = handlerOptions.ToImmutableSortedDictionary(o => o.Key, o => o.Value, StringComparer.Ordinal),
            Poison = poison,
        };

    private Task<long[]> RowsAsync(string id) => RecordingHandler.SeqsAsync(fixture.ConnectionString, id);

    private static long[] AllBut(params long[] missing) => [.. Enumerable.Range(1, (int)Limit).Select(i => (long)i).Except(missing)];

    private async Task<List<DeadLetter>> DeadLettersAsync(string id)
    {
        var letters = new List<DeadLetter>();
        for (DeadLetterPosition? after = null; ;)
        {
            var page = await fixture.Manager.GetDeadLettersAsync(id, after, 2);
            letters.AddRange(page.Items);
            if ((after = page.Next) is null)
            {
                return letters;
            }
        }
    }

    [Fact]
    public async Task Halt_StopsAtTheBadEvent_CommitsItsGoodNeighboursBefore_AndNothingAfter_WithoutARestart()
    {
        var id = $"poison-halt-{Guid.NewGuid():N}";

        await fixture.Manager.StartAsync(id, Spec(poison: null, ("failAt", "47")));
        var halted = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Halted);
        var rows = await RowsAsync(id);
        var again = await fixture.Client.GetGrain<IWorkerGrain>(id).EnsureRunningAsync();

        Assert.Equal(0, halted.Restarts);
        Assert.Equal(46, halted.Checkpoint);
        Assert.Equal(Enumerable.Range(1, 46).Select(i => (long)i), rows); // 41..46 share the bad event's batch
        var halt = Assert.IsType<WorkerHalt>(halted.Halt);
        Assert.Equal((HaltReason.PoisonEvent, 47L, 1, "System.FormatException"), (halt.Reason, halt.Seq, halt.Attempts, halt.ErrorType));
        Assert.Equal(SequenceSource.Payload(id, 47), halt.Payload);
        Assert.Contains("seq 47", halt.Error);
        Assert.Equal(WorkerStatus.Halted, again!.Status); // a supervisor's poke does not restart a halted worker
        var summary = await fixture.Manager.GetSummaryAsync();
        Assert.True(summary.ByStatus["halted"] >= 1, "the registry counts the halted worker");
    }

    [Fact]
    public async Task Skip_OfAHaltedWorker_PassesTheEventOnce_ResumesIt_AndIsAudited()
    {
        var id = $"poison-skip-cmd-{Guid.NewGuid():N}";
        await fixture.Manager.StartAsync(id, Spec(poison: null, ("failAt", "47")));
        await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Halted);

        var wrongSeq = await ThrowsOverseerAsync(OverseerErrorCode.InvalidArgument, () => fixture.Manager.SkipAsync(id, 48, "test"));
        var skipped = await fixture.Manager.SkipAsync(id, 47, "ops@test");
        var done = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);
        var notHalted = await ThrowsOverseerAsync(OverseerErrorCode.Conflict, () => fixture.Manager.SkipAsync(id, null, "test"));
        var audit = await fixture.Manager.GetAuditAsync(1000);

        Assert.Contains("halted at seq 47", wrongSeq.Message);
        Assert.True(skipped.Checkpoint >= 47, $"the skip moved the checkpoint past 47; it is {skipped.Checkpoint}");
        Assert.Null(done.Halt);
        Assert.Equal((Limit, 0), (done.Checkpoint, done.Restarts));
        Assert.Equal(AllBut(47), await RowsAsync(id));
        Assert.Contains("not halted at a poison event", notHalted.Message);
        Assert.Contains(audit, e => e.WorkerId == id && e.Action == "skip" && e.Actor == "ops@test" && e.Outcome.StartsWith("done: passed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SkipPolicy_PassesEveryBadEvent_CommitsAllTheOthersOnce_WithoutARestart()
    {
        var id = $"poison-skip-{Guid.NewGuid():N}";

        await fixture.Manager.StartAsync(id, Spec(new PoisonPolicy(PoisonAction.Skip), ("failAt", "5,17,18,40,100")));
        var done = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);

        Assert.Equal((Limit, 0, 0L), (done.Checkpoint, done.Restarts, done.DeadLetters));
        Assert.Equal(AllBut(5, 17, 18, 40, 100), await RowsAsync(id));
        Assert.Empty(await DeadLettersAsync(id));
    }

    [Fact]
    public async Task DeadLetterPolicy_KeepsEachBadEvent_AfterItsRetries_AndReplayAppliesItOnce_DiscardRemovesIt()
    {
        var id = $"poison-dl-{Guid.NewGuid():N}";
        await ListPoisonAsync(id, 5, 17, 63);

        await fixture.Manager.StartAsync(id, Spec(new PoisonPolicy(PoisonAction.DeadLetter, Retries: 2), ("failListed", "yes")));
        var done = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);
        var letters = await DeadLettersAsync(id);

        Assert.Equal((Limit, 0, 3L), (done.Checkpoint, done.Restarts, done.DeadLetters));
        Assert.Equal(AllBut(5, 17, 63), await RowsAsync(id));
        Assert.Equal([5L, 17, 63], letters.Select(l => l.Seq));
        Assert.All(letters, l =>
        {
            Assert.Equal((id, RecordingHandler.Name, 1, 3, "System.FormatException"), (l.WorkerId, l.Handler, l.HandlerVersion, l.Attempts, l.ErrorType));
            Assert.Equal(SequenceSource.Payload(id, l.Seq), l.Payload);
            Assert.True(l.Generation > 0, "a dead letter records the generation that passed it");
        });

        // Still poison: the replay fails, commits nothing, and the dead letter stays with one more attempt.
        var failed = await ThrowsOverseerAsync(OverseerErrorCode.Conflict, () => fixture.Manager.ReplayAsync(id, 17, "test"));
        Assert.Contains("failed again", failed.Message);
        Assert.Equal(4, (await DeadLettersAsync(id)).Single(l => l.Seq == 17).Attempts);

        // Fixed: the replay applies the event once; a second replay finds nothing.
        await UnlistPoisonAsync(id, 17);
        var replayed = await fixture.Manager.ReplayAsync(id, 17, "ops@test");
        var twice = await ThrowsOverseerAsync(OverseerErrorCode.InvalidArgument, () => fixture.Manager.ReplayAsync(id, 17, "test"));
        var discarded = await fixture.Manager.DiscardAsync(id, 5, "ops@test");
        var unknown = await ThrowsOverseerAsync(OverseerErrorCode.InvalidArgument, () => fixture.Manager.DiscardAsync(id, 5, "test"));
        var audit = await fixture.Manager.GetAuditAsync(1000);

        Assert.Equal(17, replayed.Seq);
        Assert.Contains("no dead letter at seq 17", twice.Message);
        Assert.Contains("no dead letter at seq 5", unknown.Message);
        Assert.Equal(1, discarded.DeadLetters);
        Assert.Equal(AllBut(5, 63), await RowsAsync(id));
        Assert.Equal([63L], (await DeadLettersAsync(id)).Select(l => l.Seq));
        Assert.Contains(audit, e => e.WorkerId == id && e.Action == "replay" && e.Outcome.StartsWith("done:", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.WorkerId == id && e.Action == "replay" && e.Outcome.StartsWith("refused:", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.WorkerId == id && e.Action == "discard" && e.Outcome.StartsWith("done:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rewind_RemovesTheDeadLettersAfterItsTarget_AndTheEventsAreHandledAgain()
    {
        var id = $"poison-rewind-{Guid.NewGuid():N}";
        await ListPoisonAsync(id, 30, 80);
        await fixture.Manager.StartAsync(id, Spec(new PoisonPolicy(PoisonAction.DeadLetter), ("failListed", "yes")));
        await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);

        await UnlistPoisonAsync(id, 80);
        await fixture.Manager.RewindAsync(id, 50, "test");
        await fixture.Manager.ResumeAsync(id);
        await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);

        Assert.Equal([30L], (await DeadLettersAsync(id)).Select(l => l.Seq));
        Assert.Equal(AllBut(30), await RowsAsync(id));
    }

    [Fact]
    public async Task BadPolicies_AreRefusedAtStart_WithAMessageNamingThem_AndNothingIsCreated()
    {
        var id = $"poison-bad-{Guid.NewGuid():N}";

        var retries = await ThrowsOverseerAsync(OverseerErrorCode.InvalidArgument, () => fixture.Manager.StartAsync(id, Spec(new PoisonPolicy(PoisonAction.Skip, Retries: 101))));
        var noHandler = await ThrowsOverseerAsync(
            OverseerErrorCode.InvalidArgument,
            () => fixture.Manager.StartAsync(id, WorkerSpec.For("sequence", ("limit", "10")) with { Poison = new PoisonPolicy(PoisonAction.DeadLetter) }));
        var page = await fixture.Manager.ListAsync(new WorkerQuery(null, null, 10, id));

        Assert.Contains("invalid poison retries 101: expected 0..100", retries.Message);
        Assert.Contains("without a handler", noHandler.Message);
        Assert.Empty(page.Items);
    }

    [Fact]
    public async Task SkipAndReplay_OfAWorkerThatHasNothingToPass_AreRefused()
    {
        var id = $"poison-none-{Guid.NewGuid():N}";
        await fixture.Manager.StartAsync(id, Spec(poison: null));
        await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);

        var skip = await ThrowsOverseerAsync(OverseerErrorCode.Conflict, () => fixture.Manager.SkipAsync(id, null, "test"));
        var replay = await ThrowsOverseerAsync(OverseerErrorCode.InvalidArgument, () => fixture.Manager.ReplayAsync(id, 3, "test"));

        Assert.Contains("is completed, not halted at a poison event", skip.Message);
        Assert.Contains("no dead letter at seq 3", replay.Message);
        Assert.Equal(AllBut(), await RowsAsync(id));
    }

    private async Task ListPoisonAsync(string id, params long[] seqs)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE TABLE IF NOT EXISTS {RecordingHandler.PoisonTable} (worker text NOT NULL, seq bigint NOT NULL, PRIMARY KEY (worker, seq))", connection);
        await create.ExecuteNonQueryAsync();
        await using var insert = new NpgsqlCommand($"INSERT INTO {RecordingHandler.PoisonTable} SELECT $1, unnest($2::bigint[])", connection);
        insert.Parameters.Add(new() { Value = id });
        insert.Parameters.Add(new() { Value = seqs });
        await insert.ExecuteNonQueryAsync();
    }

    private async Task UnlistPoisonAsync(string id, long seq)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var delete = new NpgsqlCommand($"DELETE FROM {RecordingHandler.PoisonTable} WHERE worker = $1 AND seq = $2", connection);
        delete.Parameters.Add(new() { Value = id });
        delete.Parameters.Add(new() { Value = seq });
        await delete.ExecuteNonQueryAsync();
    }
}
