using Orleans.Configuration;
using Orleans.Hosting;
using Overseer.Models;
using Overseer.Testing;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>Activations of workers that are not running are collected like any idle grain: nothing (a heartbeat timer
/// with keep-alive) holds a stopped, completed or failed worker in memory.</summary>
public sealed class WorkerCollectionTests : IAsyncLifetime
{
    private readonly OverseerCluster _fixture = new()
    {
        Silos = 1,
        ConfigureSilo = silo => silo.Configure<GrainCollectionOptions>(o =>
        {
            o.CollectionQuantum = TimeSpan.FromSeconds(1);
            o.CollectionAge = TimeSpan.FromSeconds(3);
        }),
    };

    public Task InitializeAsync() => _fixture.InitializeAsync();

    public Task DisposeAsync() => _fixture.DisposeAsync();

    private bool IsActive(string id) =>
        _fixture.Cluster.TryGetGrainContext(_fixture.Client.GetGrain<IWorkerGrain>(id).GetGrainId(), out _);

    [Fact]
    public async Task StoppedAndCompletedWorkers_AreCollected_RunningOnesAreNot()
    {
        var stopped = $"collect-stopped-{Guid.NewGuid():N}";
        var completed = $"collect-completed-{Guid.NewGuid():N}";
        var running = $"collect-running-{Guid.NewGuid():N}";
        var endless = WorkerSpec.For("sequence", ("delayMs", "20"), ("batch", "5"));

        await _fixture.Manager.StartAsync(stopped, endless);
        await _fixture.Manager.StartAsync(running, endless);
        await _fixture.Manager.StartAsync(completed, WorkerSpec.For("sequence", ("limit", "20")));
        await WaitForStatusAsync(_fixture.Client, completed, WorkerStatus.Completed);
        await Eventually.UntilAsync(() => _fixture.Client.GetGrain<IWorkerGrain>(stopped).GetInfoAsync(), i => i.Checkpoint > 0, TimeSpan.FromSeconds(10), i => $"'{stopped}' to commit; at {i.Checkpoint}");
        await _fixture.Manager.StopAsync(stopped);

        await Eventually.UntilAsync(
            () => Task.FromResult((Stopped: IsActive(stopped), Completed: IsActive(completed))),
            a => !a.Stopped && !a.Completed,
            TimeSpan.FromSeconds(30),
            a => $"the stopped and the completed worker to be collected (collection age 3 s); still active: stopped={a.Stopped}, completed={a.Completed}");

        Assert.True(IsActive(running), $"the running worker '{running}' must stay active");
        Assert.Equal(WorkerStatus.Stopped, (await _fixture.Client.GetGrain<IWorkerGrain>(stopped).GetInfoAsync()).Status);
    }

    [Fact]
    public async Task IdleRunningWorker_IsKeptAliveWithoutCallsOrTicks_AndCollectedOnceStopped()
    {
        // Its first fetch waits an hour: no commit, no call, no timer of its own — only its keep-alive holds it.
        var idle = $"collect-idle-{Guid.NewGuid():N}";
        await _fixture.Manager.StartAsync(idle, WorkerSpec.For("sequence", ("delayMs", "3600000")));

        // Two workers, each activated after it and stopped at once, are collected one after the other: by then the idle
        // one has gone untouched for at least two collection ages, and must still be there.
        for (var round = 1; round <= 2; round++)
        {
            var probe = $"collect-probe-{round}-{Guid.NewGuid():N}";
            await _fixture.Manager.StartAsync(probe, WorkerSpec.For("sequence", ("delayMs", "3600000")));
            await _fixture.Manager.StopAsync(probe);
            await Eventually.UntilAsync(
                () => Task.FromResult(IsActive(probe)),
                active => !active,
                TimeSpan.FromSeconds(30),
                active => $"the stopped worker '{probe}' to be collected (collection age 3 s); still active: {active}");
        }

        Assert.True(IsActive(idle), $"the idle running worker '{idle}' must stay active (kept alive while it runs)");

        await _fixture.Manager.StopAsync(idle);
        await Eventually.UntilAsync(
            () => Task.FromResult(IsActive(idle)),
            active => !active,
            TimeSpan.FromSeconds(30),
            active => $"'{idle}' to be collected once stopped (its keep-alive released); still active: {active}");
    }
}
