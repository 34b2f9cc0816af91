using Overseer.Diagnostics;
using Overseer.Models;
using Overseer.Testing;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>The Overseer instruments count what really happened: events committed, restarts, failures, registry gauges.</summary>
public sealed class TelemetryTests(OverseerCluster fixture) : IClassFixture<OverseerCluster>
{
    private static WorkerSpec Sequence(RestartPolicy restart, int maxRestarts, params (string, string)[] options) =>
        WorkerSpec.For("sequence", options) with { Restart = restart, MaxRestarts = maxRestarts, RestartWindow = TimeSpan.FromMinutes(1) };

    [Fact]
    public async Task WorkersRunCrashAndFail_CountersMatchWorkerState()
    {
        using var metrics = new OverseerMetrics(fixture.Cluster);
        var specs = new Dictionary<string, WorkerSpec>
        {
            ["tm-ok-0"] = Sequence(RestartPolicy.Transient, 3, ("limit", "200"), ("batch", "10")),
            ["tm-ok-1"] = Sequence(RestartPolicy.Transient, 3, ("limit", "150"), ("batch", "7")),
            // Crashes at 120 and 240 (failAfter counts since the last start), completes at 300.
            ["tm-crash"] = Sequence(RestartPolicy.Transient, 10, ("limit", "300"), ("batch", "10"), ("failAfter", "120")),
            // Crashes three times: two restarts, then Failed.
            ["tm-fail"] = Sequence(RestartPolicy.Transient, 2, ("batch", "10"), ("failAfter", "30")),
            // Permanent: restarted after completing, twice, then Failed.
            ["tm-perm"] = Sequence(RestartPolicy.Permanent, 2, ("limit", "40"), ("batch", "10")),
        };
        foreach (var (id, spec) in specs)
        {
            await fixture.Manager.StartAsync(id, spec);
        }

        var infos = await Eventually.UntilAsync(
            () => Task.WhenAll(specs.Keys.Select(id => fixture.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync())),
            all => all.All(i => i.Status is WorkerStatus.Completed or WorkerStatus.Failed),
            Deadline,
            all => "every worker Completed or Failed; " + string.Join(", ", all.Select(i => $"{i.Id}={i.Status}@{i.Checkpoint} r{i.Restarts}")));
        var byId = infos.ToDictionary(i => i.Id);
        Assert.Equal(WorkerStatus.Failed, byId["tm-fail"].Status);
        Assert.Equal(WorkerStatus.Failed, byId["tm-perm"].Status);
        Assert.Equal(WorkerStatus.Completed, byId["tm-crash"].Status);
        Assert.Equal(2, byId["tm-crash"].Restarts);

        // A status read can interleave with the exit's state write, which precedes the counter: await, then compare exactly.
        var expected = (
            Indexed: infos.Sum(i => i.Checkpoint),
            Restarts: infos.Sum(i => i.Restarts),
            Crash: byId["tm-crash"].Restarts + byId["tm-fail"].Restarts,
            Completed: byId["tm-perm"].Restarts,
            Failures: infos.Count(i => i.Status == WorkerStatus.Failed));
        var seen = await Eventually.UntilAsync(
            () => Task.FromResult((
                Indexed: metrics.Counter(OverseerInstruments.EventsIndexedName),
                Restarts: metrics.Counter(OverseerInstruments.RestartsName),
                Crash: metrics.Counter(OverseerInstruments.RestartsName, ("reason", "crash")),
                Completed: metrics.Counter(OverseerInstruments.RestartsName, ("reason", "completed")),
                Failures: metrics.Counter(OverseerInstruments.FailuresName))),
            m => m == expected,
            Deadline,
            m => $"counters (indexed, restarts, crash, completed, failures) to match worker state: expected {expected}, measured {m}");

        Assert.Equal(expected.Indexed, metrics.Counter(OverseerInstruments.EventsIndexedName, ("source", "sequence")));
        Assert.True(seen.Crash == 4 && seen.Completed == 2, $"restarts by reason: crash {seen.Crash} (expected 4), completed {seen.Completed} (expected 2)");
        Assert.True(metrics.Recordings(OverseerInstruments.CommitDurationName) >= expected.Indexed / 10, $"commit-duration recorded {metrics.Recordings(OverseerInstruments.CommitDurationName)} commits for {expected.Indexed} events in batches of at most 10");

        var gauge = await Eventually.UntilAsync(
            () => Task.FromResult(metrics.Gauge(OverseerInstruments.WorkersName, "status")),
            g => g.GetValueOrDefault("completed") == 3 && g.GetValueOrDefault("failed") == 2 && g.GetValueOrDefault("running") == 0,
            Deadline,
            g => "overseer.workers to show completed=3 failed=2 running=0; was " + string.Join(", ", g.Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.Equal(Enum.GetValues<WorkerStatus>().Select(s => s.ToString().ToLowerInvariant()).Order(), gauge.Keys.Order());
        Assert.Equal(5, gauge.Values.Sum());
    }
}
