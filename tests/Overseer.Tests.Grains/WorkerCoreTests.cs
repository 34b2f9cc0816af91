using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using Overseer.Errors;
using Overseer.Models;
using Overseer.Outputs;
using Overseer.Redis;
using Overseer.Testing;
using Overseer.Workers;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>The worker core: supervision inside the activation, the cursor contract (token, density) end to end, and a
/// stop that fences everything.</summary>
[Collection(ClusterCollection.Name)]
public sealed class WorkerCoreTests(OverseerCluster fixture)
{
    private static string NewId(string name) => $"{name}-{Guid.NewGuid():N}";

    private static WorkerSpec Probe(int maxRestarts, params (string, string)[] options) =>
        WorkerSpec.For(ProbeSourceFactory.Kind, options) with { MaxRestarts = maxRestarts, RestartWindow = TimeSpan.FromSeconds(60) };

    private ActivationId? ActivationOf(string id) =>
        fixture.Cluster.TryGetGrainContext(fixture.Client.GetGrain<IWorkerGrain>(id).GetGrainId(), out var context) ? context.ActivationId : null;

    private async Task<IReadOnlyList<long>> SeqsAsync(string id) =>
        [.. (await fixture.Client.GetGrain<IWorkerGrain>(id).GetEventsAsync(1, 10_000)).Select(e => e.Seq)];

    [Fact]
    public async Task State_AsOrleansPersistentStateStoredIt_IsTheWorkersState_AndTheWorkersWritesReadBackTheSameWay()
    {
        // A worker keeps its state itself (StoredWorkerState), through the same grain storage, under the same name and
        // grain id as Orleans' [PersistentState("worker")] did before it: what an earlier version stored is read as it
        // is, and what a worker writes now an earlier version reads.
        var id = NewId("stored");
        var grainId = fixture.Client.GetGrain<IWorkerGrain>(id).GetGrainId();
        var storage = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Workers);
        var spec = Probe(0, ("limit", "5"));
        var earlier = new GrainState<WorkerState>(new WorkerState { Spec = spec, Status = WorkerStatus.Stopped, Restarts = 3, LastError = "as stored before" });
        await storage.WriteStateAsync("worker", grainId, earlier);

        var info = await fixture.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync();
        Assert.Equal((WorkerStatus.Stopped, 3, "as stored before", spec.Source), (info.Status, info.Restarts, info.LastError, info.Source));

        await fixture.Manager.ResumeAsync(id);
        var done = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);
        Assert.Equal(5, done.Checkpoint);
        var now = new GrainState<WorkerState>();
        await storage.ReadStateAsync("worker", grainId, now);
        Assert.True(now.RecordExists, $"the state of '{id}' read back through the grain storage as [PersistentState] read it");
        Assert.Equal((WorkerStatus.Completed, 5L), (now.State!.Status, now.State.Checkpoint));
        Assert.NotEqual(earlier.ETag, now.ETag);
    }

    [Fact]
    public async Task Crash_RestartsInsideTheSameActivation_FromTheCheckpointAndItsToken()
    {
        var id = NewId("in-place");

        await fixture.Manager.StartAsync(id, Probe(20, ("limit", "100"), ("batch", "10"), ("failAfter", "20")));
        var first = await Eventually.UntilAsync(
            () => Task.FromResult(ActivationOf(id)),
            a => a is not null,
            TimeSpan.FromSeconds(10),
            a => $"an activation of '{id}'");
        var done = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);

        // Crashes after 20, 40, 60 and 80 events; each restart is a new run in the same activation, handed the token
        // committed with the checkpoint it resumes from.
        Assert.Equal(4, done.Restarts);
        Assert.Equal(first, ActivationOf(id));
        Assert.Equal([null, "tok-20", "tok-40", "tok-60", "tok-80"], ProbeSourceFactory.ResumeTokens[id]);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), await SeqsAsync(id));
    }

    [Fact]
    public async Task StopAndResume_NewSourceGetsTheCommittedToken()
    {
        var id = NewId("token");

        await fixture.Manager.StartAsync(id, Probe(0, ("limit", "1000000"), ("batch", "7")));
        await Eventually.UntilAsync(() => fixture.Manager.StartAsync(id, Probe(0, ("limit", "1000000"), ("batch", "7"))), i => i.Checkpoint >= 21, TimeSpan.FromSeconds(10), i => $"'{id}' to commit 21 events; at {i.Checkpoint}");
        var stopped = await fixture.Manager.StopAsync(id);
        await fixture.Manager.ResumeAsync(id);
        await Eventually.UntilAsync(
            () => Task.FromResult(ProbeSourceFactory.ResumeTokens[id].Count),
            n => n == 2,
            TimeSpan.FromSeconds(10),
            n => $"a second source of '{id}' after resume; saw {n}");

        Assert.Equal(ProbeSourceFactory.TokenAfter(stopped.Checkpoint), ProbeSourceFactory.ResumeTokens[id].Last());
        await fixture.Manager.StopAsync(id);
    }

    [Fact]
    public async Task Gap_InADenseSource_IsNeverCommitted_TheWorkerFailsNamingIt()
    {
        var id = NewId("gap");

        await fixture.Manager.StartAsync(id, Probe(2, ("limit", "50"), ("batch", "10"), ("skip", "15")));
        var failed = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Failed);

        Assert.Equal(10, failed.Checkpoint);
        Assert.Equal(2, failed.Restarts);
        Assert.Contains("dense", failed.LastError);
        Assert.Contains("seq 16 after 14", failed.LastError);
        Assert.Contains("next event must be 15", failed.LastError);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), await SeqsAsync(id));
    }

    [Fact]
    public async Task Stop_RecordsTheStopInTheCursor_AndASupervisorPokeDoesNotRunItAgain()
    {
        var id = NewId("fenced-stop");
        var keys = new RedisKeys(fixture.ServiceId);

        await fixture.Manager.StartAsync(id, WorkerSpec.For("sequence", ("delayMs", "10"), ("batch", "5")));
        await Eventually.UntilAsync(() => fixture.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync(), i => i.Checkpoint > 0, TimeSpan.FromSeconds(10), i => $"'{id}' to commit; at {i.Checkpoint}");
        var stopped = await fixture.Manager.StopAsync(id);
        var poked = await fixture.Client.GetGrain<IWorkerGrain>(id).EnsureRunningAsync();
        var cursor = await fixture.Mux.GetDatabase().HashGetAllAsync(keys.Cursor(id));

        Assert.Equal(WorkerStatus.Stopped, stopped.Status);
        Assert.Equal(WorkerStatus.Stopped, poked!.Status);
        Assert.Contains(cursor, e => e.Name == "stop");
        Assert.Equal(stopped.Checkpoint, (long)cursor.Single(e => e.Name == "cp").Value);
    }

    [Fact]
    public async Task WaitingOutAnHourLongPace_AStopEndsTheRunAtOnce_AndADeactivationHandsItOverAtOnce()
    {
        // The sequence source's delay is waited out on the silo's pace clock, with no registration on the run's token:
        // the run ends the wait itself as it is cancelled. A stop or hand-over that waited for the hour instead would not
        // answer within these deadlines (the grain call's response timeout, the deactivation's own).
        var id = NewId("paced");
        var worker = fixture.Client.GetGrain<IWorkerGrain>(id);
        await fixture.Manager.StartAsync(id, WorkerSpec.For("sequence", ("delayMs", "3600000")));

        var stop = fixture.Manager.StopAsync(id);
        await WithinAsync(stop, $"the stop of '{id}', waiting out its pace");
        var stopped = await stop;
        await fixture.Manager.ResumeAsync(id);
        var first = ActivationOf(id);
        await WithinAsync(fixture.Cluster.DeactivateAsync(worker), $"the deactivation of '{id}', waiting out its pace");
        var back = await Eventually.UntilAsync(
            async () => (Activation: ActivationOf(id), Info: await worker.GetInfoAsync()),
            a => a.Activation is not null && a.Activation != first && a.Info.Status == WorkerStatus.Running,
            TimeSpan.FromSeconds(30),
            a => $"'{id}' to run again in a new activation after its hand-over; activation {a.Activation} (first {first}), status {a.Info.Status}");

        Assert.Equal(WorkerStatus.Stopped, stopped.Status);
        Assert.Equal(0, stopped.Checkpoint);
        Assert.NotNull(first);
        Assert.Equal(0, back.Info.Checkpoint);
        await WithinAsync(fixture.Manager.StopAsync(id), $"the stop of '{id}' after its hand-over");
    }

    /// <summary>CI on c4a3be7 (<c>StaleActivationTests</c>): a frozen silo's activation had checked it was current, was
    /// frozen with the answer on its way, and went on after the worker had been deleted and started again elsewhere; its
    /// delete's stop took the new worker's cursor, and the delete removed the new worker. Here another activation takes the
    /// worker over behind the back of one that checked a moment ago (a check it then trusts, as the frozen silo trusted
    /// its old answer): that one's delete must be refused, and change nothing.</summary>
    [Fact]
    public async Task Delete_OnAnActivationTheWorkerMovedOnFrom_IsRefused_AndChangesNothing()
    {
        var taken = await TakenOverBehindItsBackAsync(NewId("moved-on"), stopped: false);

        var refused = await ThrowsOverseerAsync(OverseerErrorCode.Unavailable, () => taken.Worker.DeleteAsync(keepEvents: false));

        await taken.AssertUnchangedAsync(refused);
    }

    /// <summary>As the delete above, for a resume: one held up after its checks while the worker was taken over must not
    /// take the cursor back.</summary>
    [Fact]
    public async Task Resume_OnAnActivationTheWorkerMovedOnFrom_IsRefused_AndChangesNothing()
    {
        var taken = await TakenOverBehindItsBackAsync(NewId("moved-on-resume"), stopped: true);

        var refused = await ThrowsOverseerAsync(OverseerErrorCode.Unavailable, () => taken.Worker.ResumeAsync());

        await taken.AssertUnchangedAsync(refused);
    }

    /// <summary>A worker (stopped, or running a run that waits) whose activation wrote its state a moment ago, taken over
    /// behind that activation's back as a start or resume elsewhere does: the cursor claimed, the state written.</summary>
    private async Task<TakenOver> TakenOverBehindItsBackAsync(string id, bool stopped)
    {
        var worker = fixture.Client.GetGrain<IWorkerGrain>(id);
        var silo = fixture.Cluster.Silos[0].ServiceProvider;
        var storage = silo.GetRequiredKeyedService<IGrainStorage>(StorageNames.Workers);
        var cursors = silo.GetRequiredService<OutputCatalog>().Default.Cursors;
        await fixture.Manager.StartAsync(id, WorkerSpec.For(Sources.Sequence.SequenceSourceFactory.Kind, ("delayMs", "30000"), ("batch", "5")));
        if (stopped)
        {
            await fixture.Manager.StopAsync(id);
        }

        var state = new GrainState<WorkerState>();
        await storage.ReadStateAsync("worker", worker.GetGrainId(), state);
        var claimed = await cursors.ClaimAsync(id, start: true, CancellationToken.None);
        await storage.WriteStateAsync("worker", worker.GetGrainId(), state);
        return new TakenOver(id, worker, storage, cursors, state.ETag, claimed.Generation);
    }

    private sealed record TakenOver(string Id, IWorkerGrain Worker, IGrainStorage Storage, ICursorStore Cursors, string? Etag, long Generation)
    {
        /// <summary>The command was refused as reaching a stale activation, and the taker's cursor and state are as it left them.</summary>
        public async Task AssertUnchangedAsync(OverseerException refused)
        {
            var cursor = await Cursors.GetAsync(Id, CancellationToken.None);
            var state = new GrainState<WorkerState>();
            await Storage.ReadStateAsync("worker", Worker.GetGrainId(), state);
            Assert.Contains("stale activation", refused.Message, StringComparison.Ordinal);
            Assert.Equal((Generation, false), (cursor.Generation, cursor.Stopped));
            Assert.Equal(Etag, state.ETag);
        }
    }

    private static async Task WithinAsync(Task call, string what)
    {
        try
        {
            await call.WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{what} did not return within 20 s: the run's wait was not ended as it was cancelled");
        }
    }
}
