using Overseer.Models;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

[Collection(ClusterCollection.Name)]
public sealed class SupervisionTests(OverseerCluster fixture)
{
    private static string NewId(string name) => $"{name}-{Guid.NewGuid():N}";

    private static WorkerSpec Sequence(RestartPolicy restart = RestartPolicy.Transient, int? maxRestarts = null, TimeSpan? window = null, params (string, string)[] options) =>
        WorkerSpec.For("sequence", options) with { Restart = restart, MaxRestarts = maxRestarts, RestartWindow = window };

    [Fact]
    public async Task Start_SequenceWithLimit_CompletesWithEveryEventExactlyOnce()
    {
        var id = NewId("complete");

        await fixture.Manager.StartAsync(id, Sequence(options: [("limit", "250"), ("batch", "30")]));
        var done = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);

        Assert.Equal(250, done.Checkpoint);
        Assert.Equal(0, done.Restarts);
        await AssertExactlyOnceAsync(fixture.Client, id, 250);
    }

    [Fact]
    public async Task Crash_RepeatedFailAfter_ResumesAtCheckpointWithNoGapOrDuplicate()
    {
        var id = NewId("crashes");

        await fixture.Manager.StartAsync(id, Sequence(maxRestarts: 20, window: TimeSpan.FromSeconds(30), options: [("limit", "1000"), ("failAfter", "170"), ("batch", "50")]));
        var done = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);

        // Crashes after 170, 340, 510, 680 and 850 events; the sixth run reaches the limit.
        Assert.Equal(5, done.Restarts);
        Assert.Contains("failAfter=170", done.LastError);
        await AssertExactlyOnceAsync(fixture.Client, id, 1000);
    }

    [Fact]
    public async Task Temporary_Crash_EndsFailedWithoutRestart()
    {
        var id = NewId("temporary");

        await fixture.Manager.StartAsync(id, Sequence(RestartPolicy.Temporary, options: [("failAfter", "10"), ("batch", "4")]));
        var failed = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Failed);

        Assert.Equal(0, failed.Restarts);
        Assert.Contains("failAfter=10", failed.LastError);
        Assert.Contains("temporary", failed.LastError);
        await AssertExactlyOnceAsync(fixture.Client, id, 10);
    }

    [Fact]
    public async Task Transient_CompletedSource_IsNotRestarted()
    {
        var id = NewId("transient");

        await fixture.Manager.StartAsync(id, Sequence(RestartPolicy.Transient, options: [("limit", "5")]));
        var done = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);
        var poked = await fixture.Client.GetGrain<IWorkerGrain>(id).EnsureRunningAsync();

        Assert.Equal(0, done.Restarts);
        Assert.Equal(WorkerStatus.Completed, poked!.Status);
    }

    [Fact]
    public async Task Permanent_CompletedSource_IsRestartedUntilIntensityGivesUp()
    {
        var id = NewId("permanent");

        await fixture.Manager.StartAsync(id, Sequence(RestartPolicy.Permanent, options: [("limit", "20")]));
        var failed = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Failed);

        // Default intensity: 3 restarts within 5 s; an exhausted source completes at once after each restart.
        Assert.Equal(3, failed.Restarts);
        Assert.Contains("restart intensity exceeded", failed.LastError);
        await AssertExactlyOnceAsync(fixture.Client, id, 20);
    }

    [Fact]
    public async Task Intensity_Exceeded_EndsFailed_AndResumeRestartsWithFreshBudget()
    {
        var id = NewId("intensity");
        await fixture.Manager.StartAsync(id, Sequence(maxRestarts: 2, window: TimeSpan.FromMinutes(5), options: [("limit", "30"), ("failAfter", "5")]));

        var failed = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Failed);
        var resumed = await fixture.Manager.ResumeAsync(id);
        var done = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);

        // Crashes at 5 and 10 are restarted, the one at 15 exceeds 2 restarts in 5 minutes.
        Assert.Equal(15, failed.Checkpoint);
        Assert.Equal(2, failed.Restarts);
        Assert.Contains("restart intensity exceeded: 2 restarts", failed.LastError);
        Assert.Equal(WorkerStatus.Running, resumed.Status);
        // After resume: crashes at 20 and 25 use the fresh budget of 2; the run from 25 reaches the limit.
        Assert.Equal(4, done.Restarts);
        await AssertExactlyOnceAsync(fixture.Client, id, 30);
    }

    [Fact]
    public async Task Stop_WhileCrashLooping_StaysStoppedAcrossPokesAndReactivation()
    {
        var id = NewId("stopwins");
        var worker = fixture.Client.GetGrain<IWorkerGrain>(id);
        await fixture.Manager.StartAsync(id, Sequence(maxRestarts: 1000, window: TimeSpan.FromMinutes(1), options: [("failAfter", "3"), ("batch", "1"), ("delayMs", "5")]));
        await Overseer.Testing.Eventually.UntilAsync(() => worker.GetInfoAsync(), i => i.Restarts >= 2, Deadline, i => $"worker '{id}' to restart twice; restarts {i.Restarts}");

        var stopped = await fixture.Manager.StopAsync(id);
        var pokedWhileActive = await worker.EnsureRunningAsync();
        await fixture.Cluster.DeactivateAsync(worker);
        var pokedAfterReactivation = await worker.EnsureRunningAsync();
        var after = await worker.GetInfoAsync();

        Assert.Equal(WorkerStatus.Stopped, stopped.Status);
        Assert.Equal(WorkerStatus.Stopped, pokedWhileActive!.Status);
        Assert.Equal(WorkerStatus.Stopped, pokedAfterReactivation!.Status);
        Assert.Equal(stopped.Checkpoint, after.Checkpoint);
        Assert.Equal(stopped.Restarts, after.Restarts);
        await AssertExactlyOnceAsync(fixture.Client, id, stopped.Checkpoint);
    }

    [Fact]
    public async Task Resume_StoppedWorker_ContinuesFromCheckpoint()
    {
        var id = NewId("resume");
        await fixture.Manager.StartAsync(id, Sequence(options: [("limit", "400"), ("batch", "10"), ("delayMs", "10")]));
        await Overseer.Testing.Eventually.UntilAsync(() => fixture.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync(), i => i.Checkpoint >= 30, Deadline, i => $"worker '{id}' to pass checkpoint 30; at {i.Checkpoint}");

        var stopped = await fixture.Manager.StopAsync(id);
        await fixture.Manager.ResumeAsync(id);
        var done = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);

        Assert.InRange(stopped.Checkpoint, 30, 399);
        Assert.Equal(400, done.Checkpoint);
        await AssertExactlyOnceAsync(fixture.Client, id, 400);
    }
}
