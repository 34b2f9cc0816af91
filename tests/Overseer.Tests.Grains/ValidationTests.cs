using Overseer.Errors;
using Overseer.Models;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

[Collection(ClusterCollection.Name)]
public sealed class ValidationTests(OverseerCluster fixture)
{
    private static string NewId(string name) => $"{name}-{Guid.NewGuid():N}";

    [Fact]
    public async Task Start_IdenticalSpec_IsIdempotent_DifferentSpecForLiveWorker_Conflicts()
    {
        var id = NewId("idem");
        var spec = WorkerSpec.For("sequence", ("delayMs", "50"), ("batch", "1"));

        var first = await fixture.Manager.StartAsync(id, spec);
        var again = await fixture.Manager.StartAsync(id, WorkerSpec.For("sequence", ("batch", "1"), ("delayMs", "50")));
        var conflict = await ThrowsOverseerAsync(OverseerErrorCode.Conflict, () => fixture.Manager.StartAsync(id, WorkerSpec.For("sequence", ("delayMs", "60"))));
        await fixture.Manager.StopAsync(id);

        Assert.Equal(WorkerStatus.Running, first.Status);
        Assert.Equal(WorkerStatus.Running, again.Status);
        Assert.Equal(0, again.Restarts);
        Assert.Contains($"worker '{id}' is running with a different spec", conflict.Message);
        Assert.Contains("delayMs=50", conflict.Message);
        Assert.Contains("delayMs=60", conflict.Message);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    [InlineData("")]
    public async Task Start_InvalidId_IsRejectedNamingTheValue(string id)
    {
        var ex = await ThrowsOverseerAsync(OverseerErrorCode.InvalidArgument, () => fixture.Manager.StartAsync(id, WorkerSpec.For("sequence")));

        Assert.Contains($"invalid worker id '{id}'", ex.Message);
    }

    [Fact]
    public async Task Start_TooLongId_IsRejected()
    {
        var ex = await ThrowsOverseerAsync(OverseerErrorCode.InvalidArgument, () => fixture.Manager.StartAsync(new string('a', 129), WorkerSpec.For("sequence")));

        Assert.Contains("at most 128", ex.Message);
    }

    [Fact]
    public async Task Start_UnknownSourceKind_ListsValidKinds_AndRegistersNothing()
    {
        var id = NewId("badkind");

        var ex = await ThrowsOverseerAsync(OverseerErrorCode.InvalidArgument, () => fixture.Manager.StartAsync(id, WorkerSpec.For("kafka")));
        await ThrowsOverseerAsync(OverseerErrorCode.UnknownWorker, () => fixture.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync());
        var listed = await fixture.Manager.ListAsync(new WorkerQuery(AfterId: id[..^1], Limit: 5));

        Assert.Contains("unknown source kind 'kafka': valid kinds are evm, feed, http-poll, probe, sequence, stream, websocket", ex.Message); // probe: the tests' own kind
        Assert.DoesNotContain(listed.Items, i => i.Id == id);
    }

    [Fact]
    public async Task Start_BadOptionsAndLimits_AreAllNamed()
    {
        var spec = WorkerSpec.For("sequence", ("limit", "-5"), ("colour", "red")) with { MaxRestarts = -1, RestartWindow = TimeSpan.Zero };

        var ex = await ThrowsOverseerAsync(OverseerErrorCode.InvalidArgument, () => fixture.Manager.StartAsync(NewId("badopts"), spec));

        Assert.Contains("invalid option limit='-5'", ex.Message);
        Assert.Contains("unknown option 'colour'", ex.Message);
        Assert.Contains("invalid max-restarts -1", ex.Message);
        Assert.Contains("invalid restart-window 0 s", ex.Message);
    }

    [Fact]
    public async Task UnknownWorker_EveryOperation_SaysUnknown()
    {
        var id = NewId("ghost");
        var worker = fixture.Client.GetGrain<IWorkerGrain>(id);

        var status = await ThrowsOverseerAsync(OverseerErrorCode.UnknownWorker, () => worker.GetInfoAsync());
        await ThrowsOverseerAsync(OverseerErrorCode.UnknownWorker, () => fixture.Manager.StopAsync(id));
        await ThrowsOverseerAsync(OverseerErrorCode.UnknownWorker, () => fixture.Manager.ResumeAsync(id));
        await ThrowsOverseerAsync(OverseerErrorCode.UnknownWorker, () => worker.GetEventsAsync(1, 10));

        Assert.Equal($"unknown worker '{id}': no worker with this id was ever started", status.Message);
    }

    [Fact]
    public async Task Events_BadRange_IsRejected()
    {
        var id = NewId("range");
        await fixture.Manager.StartAsync(id, WorkerSpec.For("sequence", ("limit", "3")));
        var worker = fixture.Client.GetGrain<IWorkerGrain>(id);

        var from = await ThrowsOverseerAsync(OverseerErrorCode.InvalidArgument, () => worker.GetEventsAsync(0, 10));
        var count = await ThrowsOverseerAsync(OverseerErrorCode.InvalidArgument, () => worker.GetEventsAsync(1, 10_001));

        Assert.Contains("invalid from 0", from.Message);
        Assert.Contains("invalid count 10001", count.Message);
    }

    [Fact]
    public async Task Start_IdenticalSpecForAFinishedWorker_ChangesNothing_DifferentSpecRunsItAgain()
    {
        var id = NewId("finished");
        await fixture.Manager.StartAsync(id, WorkerSpec.For("sequence", ("limit", "5")));
        var done = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);

        var again = await fixture.Manager.StartAsync(id, WorkerSpec.For("sequence", ("limit", "5")));
        var extended = await fixture.Manager.StartAsync(id, WorkerSpec.For("sequence", ("limit", "9")));
        var finished = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);

        Assert.Equal(WorkerStatus.Completed, again.Status);
        Assert.Equal(done.UpdatedAt, again.UpdatedAt);
        Assert.Equal(WorkerStatus.Running, extended.Status);
        Assert.Equal(9, finished.Checkpoint);
        await AssertExactlyOnceAsync(fixture.Client, id, 9);
    }
}
