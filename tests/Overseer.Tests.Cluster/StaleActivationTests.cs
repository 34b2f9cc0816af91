using Overseer.Models;
using Overseer.Testing;
using Xunit.Abstractions;

namespace Overseer.Tests.Cluster;

/// <summary>A command that reaches a worker's activation on a silo that was frozen (SIGSTOP), and declared dead while the
/// cluster moved on, must not act on the worker that lives elsewhere now: the drill's seed 114 found a late delete that
/// wiped a worker deleted and started again meanwhile (its state, registry row, cursor and events).</summary>
/// <remarks>
/// The worker's run waits between batches when its silo freezes, so that its activation there does nothing on waking that
/// could notice it was fenced and leave: the late delete, which a client sent through the frozen silo's own gateway and gave up on after
/// 1 s, finds that activation when the silo wakes. Meanwhile the operator, through a live silo once the frozen one is
/// declared dead, deletes the worker and starts it again. On waking, the silo runs what it had queued in the moment
/// before it learns it was declared dead and exits; the late delete must change nothing, whether the silo hands it to
/// its own stale activation (its pause guard refuses it, and behind that the activation's ETag check) or, as it often
/// does, sends it on to the worker's live activation (which refuses it as past the caller's deadline).
/// </remarks>
public sealed class StaleActivationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan LateTimeout = TimeSpan.FromSeconds(1);
    private static readonly WorkerSpec Endless = WorkerSpec.For("sequence", ("delayMs", "20"), ("batch", "5"));

    /// <summary>Waits half a minute for each batch: a run that does nothing while the test goes on.</summary>
    private static readonly WorkerSpec Dawdling = WorkerSpec.For("sequence", ("delayMs", "30000"), ("batch", "5"));

    [Fact]
    public async Task LateDelete_OnAFrozenSilosStaleActivation_LeavesTheWorkerStartedAgainAlone()
    {
        // Arrange: a worker whose run waits between batches, on one silo of three.
        await using var cluster = await ProcessCluster.StartAsync(3);
        var client = await cluster.ConnectAsync();
        const string id = "late-delete";
        var info = await client.StartAsync(id, Dawdling);
        Assert.Equal(WorkerStatus.Running, info.Status);
        var frozen = cluster.Silos.Single(s => s.SiloEndpoint == info.Silo);
        var live = cluster.Silos.First(s => s != frozen);
        var late = await cluster.ConnectThroughAsync(frozen, LateTimeout);
        var operatorManager = (await cluster.ConnectThroughAsync(live, TimeSpan.FromSeconds(30))).GetGrain<IManagerGrain>(0);
        Assert.Equal(frozen.SiloEndpoint, (await late.GetGrain<IWorkerGrain>(id).GetInfoAsync()).Silo);

        // Act: freeze the silo and queue a delete on it, which its caller gives up on; once the silo is declared dead the
        // operator deletes the worker and starts it again.
        frozen.Suspend();
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} froze {frozen.Name} ({frozen.SiloEndpoint}); logs {frozen.LogPath}");
        // As the typed client does on every attempt (this raw client does not): the deadline goes with the call.
        var deadline = DateTimeOffset.UtcNow + LateTimeout;
        RequestDeadline.Set(deadline);
        var lateDelete = late.GetGrain<IWorkerGrain>(id).DeleteAsync(keepEvents: false);
        RequestDeadline.Clear();
        await Eventually.UntilAsync(
            () => operatorManager.GetSilosAsync(),
            silos => silos.Any(s => s.Address == frozen.SiloEndpoint && s.Status == SiloState.Dead),
            TimeSpan.FromSeconds(30),
            silos => $"{frozen.Name} to be declared dead; silos {string.Join(", ", silos.Select(s => $"{s.Address} {s.Status}"))}");
        await Eventually.UntilAsync(
            async () => await operatorManager.DeleteAsync(id, keepEvents: false, "operator"),
            _ => true,
            TimeSpan.FromSeconds(30),
            _ => $"the operator's delete of {id} through {live.Name}");
        await operatorManager.StartAsync(id, Endless);
        await Eventually.UntilAsync(() => cluster.CheckpointAsync(id), cp => cp >= 10, TimeSpan.FromSeconds(20), cp => $"{id}, started again, to commit 10 events; at {cp}");
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} the operator deleted and started {id} again; late delete: {await OutcomeAsync(lateDelete)}");

        // The silo wakes once the late call is past its deadline and the skew allowance (a condition on the clock, as it
        // is what the cluster checks), so that whichever way the call goes on waking, it is late.
        var lateBy = deadline + TimeSpan.FromSeconds(3);
        await Eventually.UntilAsync(() => Task.FromResult(DateTimeOffset.UtcNow), now => now > lateBy, TimeSpan.FromSeconds(20), now => $"the clock ({now:HH:mm:ss.fff}) to pass the late call's deadline and the allowance ({lateBy:HH:mm:ss.fff})");
        frozen.Resume();
        await Eventually.UntilAsync(() => Task.FromResult(frozen.HasExited), exited => exited, TimeSpan.FromSeconds(60), _ => $"{frozen.Name} to learn it was declared dead and exit after it woke\n{cluster.LogTails()}");

        // Assert: the worker started again runs on from where it was, its events 1..n once each.
        var floor = await cluster.CheckpointAsync(id);
        await Eventually.UntilAsync(
            async () => (await operatorManager.GetSilosAsync(), await cluster.CheckpointAsync(id)),
            x => x.Item2 >= floor + 20,
            TimeSpan.FromSeconds(30),
            x => $"{id} to run on after {frozen.Name}'s late delete: at checkpoint {x.Item2} (from {floor})\n{frozen.ReadLogTail(30)}");
        var status = await client.GetStatusAsync(id);
        Assert.Equal(WorkerStatus.Running, status.Status);
        var seqs = await cluster.StreamSeqsAsync(id);
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(n => (long)n), seqs);
    }

    private static async Task<string> OutcomeAsync(Task call)
    {
        try
        {
            await call;
            return "returned";
        }
        catch (Exception e)
        {
            return $"failed ({e.GetType().Name}: {e.Message.Split('\n')[0]})";
        }
    }
}
