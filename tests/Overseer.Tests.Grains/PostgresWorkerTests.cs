using System.Collections.Immutable;
using Overseer.Errors;
using Overseer.Models;
using Overseer.Testing;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>Workers whose handler writes to PostgreSQL, on a cluster: the handler's rows hold each seq once through a
/// PostgreSQL kill, a handler crash and a rewind; what cannot work is refused at start with a message naming it.</summary>
public sealed class PostgresWorkerTests(PostgresCluster fixture) : IClassFixture<PostgresCluster>
{
    private static WorkerSpec Spec(string handler, long limit, int delayMs = 0, params (string Key, string Value)[] handlerOptions) =>
        WorkerSpec.For("sequence", ("limit", $"{limit}"), ("batch", "10"), ("delayMs", $"{delayMs}")) with
        {
            Handler = handler,
            HandlerOptions = handlerOptions.ToImmutableSortedDictionary(o => o.Key, o => o.Value, StringComparer.Ordinal),
        };

    private async Task AssertRowsExactlyOnceAsync(string id, long last)
    {
        var seqs = await RecordingHandler.SeqsAsync(fixture.ConnectionString, id);
        Assert.True(seqs.Length == last, $"worker '{id}' has {seqs.Length} rows in {RecordingHandler.Table}, expected exactly {last}");
        Assert.Equal(Enumerable.Range(1, (int)last).Select(i => (long)i), seqs);
    }

    [Fact]
    public async Task HandlerWorker_IndexesIntoPostgres_ExactlyOnce_AndItsEventsAreItsRows()
    {
        var id = $"pg-{Guid.NewGuid():N}";

        var started = await fixture.Manager.StartAsync(id, Spec(RecordingHandler.Name, 300));
        var done = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);
        var events = await Assert.ThrowsAsync<OverseerException>(() => fixture.Client.GetGrain<IWorkerGrain>(id).GetEventsAsync(1, 10));

        Assert.Equal(RecordingHandler.Name, started.EventHandler);
        Assert.Equal(300, done.Checkpoint);
        Assert.Equal(0, done.Restarts);
        await AssertRowsExactlyOnceAsync(id, 300);
        Assert.Contains("writes to PostgreSQL", events.Message);
    }

    [Fact]
    public async Task PostgresKilledMidRun_IsAnOutage_NoRestartCounted_ExactlyOnce()
    {
        var id = $"pg-kill-{Guid.NewGuid():N}";
        await fixture.Manager.StartAsync(id, Spec(RecordingHandler.Name, 400, delayMs: 20));
        await Eventually.UntilAsync(
            () => fixture.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync(),
            i => i.Checkpoint >= 60,
            Deadline,
            i => $"worker '{id}' past checkpoint 60 before the kill; it is {i.Status} at {i.Checkpoint}");

        await fixture.Postgres.KillAsync();
        await fixture.Postgres.StartAsync();

        var done = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed, TimeSpan.FromSeconds(60));
        Assert.True(done.Restarts == 0, $"a PostgreSQL outage counted as {done.Restarts} restarts of worker '{id}' (last error '{done.LastError}')");
        await AssertRowsExactlyOnceAsync(id, 400);
    }

    [Fact]
    public async Task HandlerThatThrowsOnce_WithAPoisonRetry_CommitsEveryRowOnce_WithoutARestart()
    {
        var id = $"pg-crash-{Guid.NewGuid():N}";

        await fixture.Manager.StartAsync(id, Spec(RecordingHandler.Name, 200, handlerOptions: ("failAtOnce", "120")) with { Poison = new PoisonPolicy(PoisonAction.Halt, Retries: 1) });
        var done = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);

        Assert.Equal(0, done.Restarts);
        await AssertRowsExactlyOnceAsync(id, 200);
    }

    [Fact]
    public async Task Rewind_WithTheHook_RemovesTheRowsAfterTheTarget_AndTheyAreIndexedAgainOnce()
    {
        var id = $"pg-rewind-{Guid.NewGuid():N}";
        await fixture.Manager.StartAsync(id, Spec(RecordingHandler.Name, 150));
        await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);

        var rewound = await fixture.Manager.RewindAsync(id, 40, "test");
        var rowsAfterRewind = await RecordingHandler.SeqsAsync(fixture.ConnectionString, id);
        await fixture.Manager.ResumeAsync(id);
        var done = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);

        Assert.Equal(40, rewound.Worker.Checkpoint);
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), rowsAfterRewind);
        Assert.Equal(150, done.Checkpoint);
        await AssertRowsExactlyOnceAsync(id, 150);
    }

    [Fact]
    public async Task RewindAndDelete_WithoutTheHook_AreRefused_WithAMessageThatSaysWhy()
    {
        var id = $"pg-nohook-{Guid.NewGuid():N}";
        await fixture.Manager.StartAsync(id, Spec(HooklessHandler.Name, 50));
        await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);

        var rewind = await Assert.ThrowsAsync<OverseerException>(() => fixture.Manager.RewindAsync(id, 10, "test"));
        var delete = await Assert.ThrowsAsync<OverseerException>(() => fixture.Manager.DeleteAsync(id, keepEvents: false, "test"));

        Assert.Contains("no rewind hook", rewind.Message);
        Assert.Contains("a delete that keeps the events", delete.Message);
        Assert.Equal(WorkerStatus.Completed, (await fixture.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync()).Status);
        await AssertRowsExactlyOnceAsync(id, 50);
    }

    [Fact]
    public async Task Start_WithAnUnknownHandler_OrABadHandlerOption_IsRefused_NamingIt()
    {
        var unknown = await Assert.ThrowsAsync<OverseerException>(() => fixture.Manager.StartAsync($"pg-bad-{Guid.NewGuid():N}", Spec("nope", 10)));
        var badOption = await Assert.ThrowsAsync<OverseerException>(() => fixture.Manager.StartAsync($"pg-bad-{Guid.NewGuid():N}", Spec(RecordingHandler.Name, 10, handlerOptions: ("failAt", "soon"))));
        var moved = $"pg-move-{Guid.NewGuid():N}";
        await fixture.Manager.StartAsync(moved, WorkerSpec.For("sequence", ("limit", "5")));
        await WaitForStatusAsync(fixture.Client, moved, WorkerStatus.Completed);
        var outputChange = await Assert.ThrowsAsync<OverseerException>(() => fixture.Manager.StartAsync(moved, Spec(RecordingHandler.Name, 5)));

        Assert.Contains("unknown handler 'nope'", unknown.Message);
        Assert.Contains(RecordingHandler.Name, unknown.Message);
        Assert.Contains("failAt='soon'", badOption.Message);
        Assert.Contains("delete the worker first", outputChange.Message);
    }
}
