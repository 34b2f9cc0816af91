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

    [Fact]
    public Task RestartWithoutBackoff_TheNextRunCommitsNothingUntilTheRestartIsWritten_ThenGoesOnExactlyOnce() =>
        HeldRestartAsync("restart-durable", (gate, id) => gate.Release(id));

    [Fact]
    public Task RestartWithoutBackoff_WhoseWriteFails_CommitsNothingOfTheNextRun_AndTheWorkerComesBackExactlyOnce() =>
        // The store refuses the write (not an outage the writer retries): the activation cannot go on, gives the run up
        // before it commits, and goes away; its partition brings the worker back in a fresh one, from the cursor.
        HeldRestartAsync("restart-refused", (gate, id) => gate.Fail(id, new InvalidOperationException("test: the store refused the write")));

    /// <summary>Holds the state write of a crash-looping worker's next restart; checks that the run it allows commits
    /// nothing meanwhile; ends the hold with <paramref name="end"/>; then the worker must commit 3 more runs and hold every
    /// event once, in order.</summary>
    private static async Task HeldRestartAsync(string name, Action<StateWriteGate, string> end)
    {
        var gate = new StateWriteGate();
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
        }
        finally
        {
            gate.Release(id);
            await fixture.DisposeAsync();
        }
    }
}
