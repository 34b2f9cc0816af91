using System.Diagnostics;
using Overseer.Bench.CrashRestart;
using Overseer.Bench.Suite.Handler;
using Overseer.Models;
using Overseer.Testing;

namespace Overseer.Bench.Suite;

/// <summary><c>cluster</c>: what a 3-primary Redis Cluster does to throughput on this machine. The same N endless
/// <c>sequence</c> workers (batch 100) on one silo hosted in the bench process, once over one redis-server and once over
/// a 3-primary Redis Cluster (no replicas: sharding alone), both started by the bench: committed events/s and each
/// batch commit's latency (the product's own instruments, as in <c>handler</c>); beside them, in the same run,
/// <c>redis-benchmark</c> XADD over N streams on the one redis-server and <c>redis-benchmark --cluster</c> on the
/// cluster. All four interleaved, in an order that turns round every repetition.</summary>
/// <remarks>Each worker's keys live in its <c>{id}</c> slot, so the workers' commits spread over the primaries as the
/// benchmark's clients do. On a machine with fewer cores than primaries + silo the primaries share the cores, and the
/// figure shows what sharding costs there, not what it gains on machines with a core per primary.</remarks>
internal sealed class ClusterScenario(SuiteSettings settings)
{
    private const int InFlight = 500;
    private static readonly WorkerSpec Endless = WorkerSpec.For("sequence", ("batch", "100"));

    // --quick is a smoke run that CI makes on every change: one repetition of each, half a second a window.
    private int Repetitions => settings.Quick ? 1 : settings.Repetitions;

    private TimeSpan Window => settings.Quick ? TimeSpan.FromMilliseconds(500) : settings.EventWindow;

    public async Task<ScenarioOutput> RunAsync(CancellationToken cancellationToken)
    {
        var n = settings.EventWorkers;
        await using var one = await RedisServer.StartNewAsync(cancellationToken: cancellationToken);
        await using var cluster = await RedisCluster.StartNewAsync(replicasPerPrimary: 0, cancellationToken: cancellationToken);
        Progress.Say($"cluster: redis-server on port {one.Port}; Redis Cluster primaries on {string.Join(", ", cluster.Primaries.Select(p => p.Port))}; "
            + "starting an in-process silo on each");
        using var meter = new CommitMeter();
        await using var onOne = await InProcessSilo.StartOnAsync(one.ConnectionString, $"bench-{Guid.NewGuid():N}", cancellationToken);
        await using var onCluster = await InProcessSilo.StartOnAsync(cluster.ConnectionString, $"bench-{Guid.NewGuid():N}", cancellationToken);

        // A sequence event's payload is "{id}#{seq}#{16 hex digits}"; the baseline XADDs one as long.
        var payload = $"cl-1-{n / 2}#{1_000_000}#0123456789abcdef";
        var clusterPort = cluster.Primaries[0].Port;
        if (!settings.Quick)
        {
            Progress.Say("cluster: warm-up (one short round on each), not reported");
            await OursAsync(onOne, meter, "clw1-", Math.Min(n, 100), TimeSpan.FromSeconds(1), cancellationToken);
            await OursAsync(onCluster, meter, "clw3-", Math.Min(n, 100), TimeSpan.FromSeconds(1), cancellationToken);
        }

        var (oursOne, oursCluster, bareOne, bareCluster) = (new List<Round>(), new List<Round>(), new List<double>(), new List<double>());
        for (var r = 1; r <= Repetitions; r++)
        {
            List<Func<Task>> steps =
            [
                async () => bareOne.Add(await RedisBenchmark.XaddStreamsAsync(one.Port, cluster: false, n, payload, settings.RedisBenchmarkRequests, cancellationToken)),
                async () => bareCluster.Add(await RedisBenchmark.XaddStreamsAsync(clusterPort, cluster: true, n, payload, settings.RedisBenchmarkRequests, cancellationToken)),
                async () => oursOne.Add(await OursAsync(onOne, meter, $"cl1r{r}-", n, Window, cancellationToken)),
                async () => oursCluster.Add(await OursAsync(onCluster, meter, $"cl3r{r}-", n, Window, cancellationToken)),
            ];

            // Baselines first and one Redis before the cluster in odd repetitions; the reverse in even ones.
            foreach (var step in r % 2 == 1 ? steps : steps.AsEnumerable().Reverse())
            {
                await step();
            }

            Progress.Say($"cluster {r}/{Repetitions}: ours on one Redis {oursOne[^1].EventsPerSecond:0}/s (p50 {oursOne[^1].Latency.P50:0.0} ms, p99 {oursOne[^1].Latency.P99:0.0} ms), "
                + $"on 3 primaries {oursCluster[^1].EventsPerSecond:0}/s (p50 {oursCluster[^1].Latency.P50:0.0} ms, p99 {oursCluster[^1].Latency.P99:0.0} ms); "
                + $"redis-benchmark XADD on one Redis {bareOne[^1]:0}/s, --cluster {bareCluster[^1]:0}/s");
        }

        const string OnOne = "the same workers and silo on one redis-server";
        var figures = new List<Figure>
        {
            new()
            {
                Scenario = "cluster",
                Name = $"events/s on a 3-primary Redis Cluster ({n:N0} endless workers, batch 100, one silo)",
                Unit = "/s",
                Baseline = OnOne,
                HigherIsBetter = true,
                Ours = [.. oursCluster.Select(o => o.EventsPerSecond)],
                BaselineValues = [.. oursOne.Select(o => o.EventsPerSecond)],
            },
            Latency(n, "p50", OnOne, oursCluster.Select(o => o.Latency.P50), oursOne.Select(o => o.Latency.P50)),
            Latency(n, "p99", OnOne, oursCluster.Select(o => o.Latency.P99), oursOne.Select(o => o.Latency.P99)),
            new()
            {
                Scenario = "cluster",
                Name = $"events/s on a 3-primary Redis Cluster ({n:N0} workers) against bare XADD on the same cluster",
                Unit = "/s",
                Baseline = $"redis-benchmark --cluster -P {RedisBenchmark.Pipeline} -c {RedisBenchmark.Clients} -r {n} XADD, same payload length",
                HigherIsBetter = true,
                Ours = [.. oursCluster.Select(o => o.EventsPerSecond)],
                BaselineValues = bareCluster,
            },
        };
        var bareScale = Summary.Of([.. bareCluster.Zip(bareOne, (c, o) => o == 0 ? double.NaN : c / o)]);
        var oursScale = figures[0].RatioSummary;
        var notes = new List<string>
        {
            $"cluster: scale on this machine ({Environment.ProcessorCount} cores shared by the silo, 3 primaries and the bench), 3 primaries ÷ one redis-server, "
                + $"median (min–max) over {Repetitions} repetitions: Overseer {oursScale.Median:0.00}× ({oursScale.Min:0.00}–{oursScale.Max:0.00}), "
                + $"redis-benchmark XADD {bareScale.Median:0.00}× ({bareScale.Min:0.00}–{bareScale.Max:0.00}) "
                + $"({Summary.Of(bareOne).Median:N0}/s on one redis-server, {Summary.Of(bareCluster).Median:N0}/s with --cluster). "
                + "Each primary serves the commits of the workers whose slots it holds; with a core (or a machine) per primary, throughput grows "
                + "with the primaries until the silos are the limit. Here the primaries share the cores with each other and with the silo, so "
                + "these ratios are not the gain a bigger machine shows.",
        };
        return new ScenarioOutput(figures, [], notes);
    }

    private static Figure Latency(int n, string percentile, string baseline, IEnumerable<double> ours, IEnumerable<double> bare) => new()
    {
        Scenario = "cluster",
        Name = $"commit latency {percentile} on a 3-primary Redis Cluster ({n:N0} workers; overseer.commit-duration)",
        Unit = "ms",
        Baseline = baseline,
        HigherIsBetter = false,
        Ours = [.. ours],
        BaselineValues = [.. bare],
    };

    /// <summary>Starts <paramref name="n"/> endless workers on <paramref name="silo"/>, waits until each has committed,
    /// measures the committed events and each batch commit's latency over <paramref name="window"/> through the
    /// product's instruments, and stops them all.</summary>
    private static async Task<Round> OursAsync(InProcessSilo silo, CommitMeter meter, string prefix, int n, TimeSpan window, CancellationToken cancellationToken)
    {
        var manager = silo.Grains.GetGrain<IManagerGrain>(0);
        var ids = Enumerable.Range(0, n).Select(i => $"{prefix}{i}").ToArray();
        await Bounded.RunAsync($"cluster: start ({prefix}*)", n, InFlight, (i, t) => manager.StartAsync(ids[i], Endless, t), cancellationToken);
        try
        {
            var cursors = new CursorPoller(silo.Mux.GetDatabase(), silo.ServiceId, ids);
            await cursors.WaitAllPastAsync(new long[n], Stopwatch.StartNew(), CursorPoller.TimeoutFor(n), $"cluster ({prefix}*): first commits", cancellationToken);
            var clock = Stopwatch.StartNew();
            meter.Begin();
            await Task.Delay(window, cancellationToken);
            var (events, durations) = meter.End();
            return new Round(events / clock.Elapsed.TotalSeconds, LatencyStats.Of(durations));
        }
        finally
        {
            await Bounded.RunAsync($"cluster: stop ({prefix}*)", n, InFlight, (i, t) => manager.StopAsync(ids[i], t), cancellationToken);
        }
    }

    private sealed record Round(double EventsPerSecond, LatencyStats Latency);
}
