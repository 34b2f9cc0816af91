using Microsoft.Extensions.DependencyInjection;
using Overseer.Hosting;
using Overseer.Models;
using Overseer.Redis;
using Overseer.Testing;

namespace Overseer.Tests.Grains;

/// <summary>A restart without backoff does not wait for its state write before the next run starts (the run is prepared
/// beside it), but the next run commits nothing until the restart is durable: the restart intensity is counted in the
/// store before anything of the run it allowed happens.</summary>
public sealed class RestartDurabilityTests
{
    /// <summary>A worker whose every run commits one batch of 10 and crashes on its next fetch, restarted at once.</summary>
    private static readonly WorkerSpec CrashEveryRun =
        WorkerSpec.For(ProbeSourceFactory.Kind, ("limit", "1000000"), ("batch", "10"), ("failAfter", "10"))
            with { MaxRestarts = 1000, RestartWindow = TimeSpan.FromMinutes(1) };

    /// <summary>A worker whose every run crashes on its first fetch, committing nothing, restarted at once (and never
    /// failed by the restart intensity within a test).</summary>
    private static readonly WorkerSpec CrashOnFirstFetch =
        CrashEveryRun with { Options = CrashEveryRun.Options.SetItem("failAfter", "0"), MaxRestarts = 1_000_000 };

    [Fact]
    public Task RestartWithoutBackoff_TheNextRunCommitsNothingUntilTheRestartIsWritten_ThenGoesOnExactlyOnce() =>
        HeldRestartAsync("restart-durable", (gate, id) => gate.Release(id));

    [Fact]
    public Task RestartWithoutBackoff_WhoseWriteFails_CommitsNothingOfTheNextRun_AndTheWorkerComesBackExactlyOnce() =>
        // The store refuses the write (not an outage the writer retries): the activation cannot go on, gives the run up
        // before it commits, and goes away; its partition brings the worker back in a fresh one, from the cursor.
        HeldRestartAsync("restart-refused", (gate, id) => gate.Fail(id, new InvalidOperationException("test: the store refused the write")));

    [Fact]
    public Task RestartWithoutBackoff_OfRunsThatCommitNothing_ReachesTheRegistryWithTheSilosHeartbeats() =>
        // Not reported to the partition on its own (it holds the worker as running already): the next heartbeat carries
        // the restart, even when no commit follows to move the worker's progress.
        InZeroBackoffClusterAsync(new StateWriteGate(), "restart-heard", async (fixture, id) =>
        {
            await fixture.Manager.StartAsync(id, CrashOnFirstFetch);
            var row = await Eventually.UntilAsync(
                async () => (await fixture.Manager.ListAsync(new WorkerQuery(Prefix: id))).Items.SingleOrDefault(),
                r => r is { Restarts: >= 5 },
                TimeSpan.FromSeconds(30),
                r => $"the registry row of worker '{id}' (crashing on every first fetch) to show 5 restarts; it shows {r?.Restarts} ({r?.Status}, '{r?.LastError}')");
            Assert.Equal(WorkerStatus.Running, row!.Status);
            Assert.Contains("probe failed as configured after 0 events", row.LastError);
            await fixture.Manager.StopAsync(id);
        });

    [Fact]
    public Task Stop_OfAWorkerRestartingAtOnceWithoutCommitting_IsNotStarvedByItsRunLoop() =>
        // Its loop writes state back to back (a restart after every first fetch) and nothing else it does waits: the stop
        // waits for the state writer's gate, which is handed on in arrival order. It used to fall free between two of the
        // loop's writes and go to the loop again before the stop's continuation ran: the stop timed out for as long as the
        // worker crashed.
        InZeroBackoffClusterAsync(new StateWriteGate(), "restart-stop", async (fixture, id) =>
        {
            await fixture.Manager.StartAsync(id, CrashOnFirstFetch);
            var worker = fixture.Client.GetGrain<IWorkerGrain>(id);
            await Eventually.UntilAsync(() => worker.GetInfoAsync(), i => i.Restarts >= 20, TimeSpan.FromSeconds(30), i => $"worker '{id}' to restart 20 times; it restarted {i.Restarts} times ({i.Status})");

            var stopping = fixture.Manager.StopAsync(id);
            var stopped = await stopping.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(
                t => t.IsCompletedSuccessfully ? t.Result : throw new Xunit.Sdk.XunitException($"the stop of worker '{id}' did not return within 10 s: {t.Exception?.InnerException?.Message}"));

            Assert.Equal(WorkerStatus.Stopped, stopped.Status);
            var after = await worker.GetInfoAsync();
            Assert.Equal(WorkerStatus.Stopped, after.Status);
            Assert.Equal(stopped.Restarts, after.Restarts);
        });

    /// <summary>Runs <paramref name="body"/> on a one-silo cluster whose backoff is 0 and whose worker-state writes pass
    /// <paramref name="gate"/>, with a fresh worker id starting with <paramref name="name"/>.</summary>
    private static async Task InZeroBackoffClusterAsync(StateWriteGate gate, string name, Func<OverseerCluster, string, Task> body)
    {
        var fixture = new OverseerCluster
        {
            Silos = 1,
            ConfigureSilo = silo =>
            {
                gate.Install(silo);
                silo.Services.PostConfigure<SupervisionOptions>(o => (o.BackoffMin, o.BackoffMax) = (TimeSpan.Zero, TimeSpan.Zero));
            },
        };
        var id = $"{name}-{Guid.NewGuid():N}";
        await fixture.InitializeAsync();
        try
        {
            await body(fixture, id);
        }
        finally
        {
            gate.Release(id);
            await fixture.DisposeAsync();
        }
    }

    /// <summary>Holds the state write of a crash-looping worker's next restart; checks that the run it allows commits
    /// nothing meanwhile; ends the hold with <paramref name="end"/>; then the worker must commit 3 more runs and hold every
    /// event once, in order.</summary>
    private static Task HeldRestartAsync(string name, Action<StateWriteGate, string> end)
    {
        var gate = new StateWriteGate();
        return InZeroBackoffClusterAsync(gate, name, async (fixture, id) =>
        {
            // Arrange: the worker has crashed and been restarted twice.
            await fixture.Manager.StartAsync(id, CrashEveryRun);
            var runs = ProbeSourceFactory.ResumeTokens.GetOrAdd(id, _ => new());
            await Eventually.UntilAsync(() => Task.FromResult(runs.Count >= 3), TimeSpan.FromSeconds(30), () => $"worker '{id}' to run 3 times (2 crashes); it ran {runs.Count}");
            var db = fixture.Mux.GetDatabase();
            var cursor = new RedisKeys(fixture.ServiceId).Cursor(id);

            // Act: its state writes stall; the next crash's restart is held on its way to the store.
            gate.Hold(id);
            await Eventually.UntilAsync(() => Task.FromResult(gate.Waiting(id) == 1), TimeSpan.FromSeconds(30), () => $"a state write of worker '{id}' (its next restart) to be held");
            var checkpoint = gate.HeldCheckpoint(id)!.Value;

            // The next run starts from the checkpoint the crash left (the one in the held write) beside the write...
            var resumedFrom = ProbeSourceFactory.TokenAfter(checkpoint);
            await Eventually.UntilAsync(() => Task.FromResult(runs.Contains(resumedFrom)), TimeSpan.FromSeconds(30), () => $"worker '{id}''s next run to open its source at {resumedFrom}");

            // ...and commits nothing while the restart is not durable (a second long enough for a run that commits at once).
            var watched = System.Diagnostics.Stopwatch.StartNew();
            while (watched.Elapsed < TimeSpan.FromSeconds(1))
            {
                var now = (long)await db.HashGetAsync(cursor, "cp");
                Assert.True(now == checkpoint, $"worker '{id}' committed up to {now} past {checkpoint} while the restart that allowed the run was not yet written");
                await Task.Delay(Eventually.PollInterval);
            }

            // Assert: once the write has landed (or failed), the worker goes on, with nothing lost or repeated.
            end(gate, id);
            await Eventually.UntilAsync(async () => (long)await db.HashGetAsync(cursor, "cp") >= checkpoint + 30, TimeSpan.FromSeconds(30), () => $"worker '{id}' to commit 3 more runs after its held restart write ended");
            var info = await fixture.Manager.StopAsync(id);
            var events = await fixture.Client.GetGrain<IWorkerGrain>(id).GetEventsAsync(1, 10_000);
            Assert.Equal(Enumerable.Range(1, (int)info.Checkpoint).Select(i => (long)i), events.Select(e => e.Seq));
        });
    }
}
