using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Overseer.Bench.CrashRestart;
using Overseer.Bench.Suite.Handler;
using Overseer.Hosting;
using Overseer.Models;
using Overseer.Testing;
using StackExchange.Redis;

namespace Overseer.Bench.Suite;

/// <summary><c>durability</c>: what <c>Overseer:Redis:MinReplicaAcks = 1</c> costs. The same N endless <c>sequence</c>
/// workers (batch 100) on a Redis primary with one replica, run by a silo whose commits wait for the replica (WAIT)
/// and by one whose commits do not (the default), interleaved: committed events/s and commit latency p50/p99 of each,
/// and the ratio.</summary>
/// <remarks>Both silos are hosted in the bench process on the same primary (its replica attached for both, so only the
/// WAIT differs), under ServiceIds of their own; only one of them has running workers at a time, so a
/// <see cref="CommitMeter"/> hears the product's own instruments (<c>overseer.events-indexed</c>,
/// <c>overseer.commit-duration</c>: the commit script, the WAIT and any retry) for the side being measured.</remarks>
internal sealed class DurabilityScenario(SuiteSettings settings)
{
    private const int InFlight = 500;
    private static readonly WorkerSpec Endless = WorkerSpec.For("sequence", ("batch", "100"));
    private static readonly TimeSpan SyncTimeout = TimeSpan.FromSeconds(60);

    private int Workers => settings.Quick ? 20 : 200;

    public async Task<ScenarioOutput> RunAsync(CancellationToken cancellationToken)
    {
        // A replica's first sync starts at once instead of after the primary's default 5 s wait for more replicas.
        await using var primary = await RedisServer.StartNewAsync(["--repl-diskless-sync-delay", "0"], cancellationToken);
        await using var replica = await RedisServer.StartNewAsync(["--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture)], cancellationToken);
        await using var watch = await ConnectionMultiplexer.ConnectAsync($"{primary.ConnectionString},allowAdmin=true");
        await WaitReplicaOnlineAsync(watch, replica.Port, cancellationToken);
        Progress.Say($"durability: redis-server primary on port {primary.Port}, replica on {replica.Port}; starting two in-process silos (MinReplicaAcks 0 and 1)");

        using var meter = new CommitMeter();
        await using var async = await InProcessSilo.StartOnAsync(primary.ConnectionString, $"bench-{Guid.NewGuid():N}", cancellationToken);
        await using var waiting = await InProcessSilo.StartOnAsync(primary.ConnectionString, $"bench-{Guid.NewGuid():N}", cancellationToken,
            o => o.Services.Configure<RedisDurabilityOptions>(d => d.MinReplicaAcks = 1));

        Progress.Say("durability: warm-up (one short round of each), not reported");
        await RoundAsync(async, watch, meter, "dw0-", Math.Min(Workers, 20), TimeSpan.FromSeconds(1), cancellationToken);
        await RoundAsync(waiting, watch, meter, "dw1-", Math.Min(Workers, 20), TimeSpan.FromSeconds(1), cancellationToken);

        var (acked, plain) = (new List<DurabilityRound>(), new List<DurabilityRound>());
        for (var r = 1; r <= settings.Repetitions; r++)
        {
            Task<DurabilityRound> Waits() => RoundAsync(waiting, watch, meter, $"d1r{r}-", Workers, settings.EventWindow, cancellationToken);
            Task<DurabilityRound> Plain() => RoundAsync(async, watch, meter, $"d0r{r}-", Workers, settings.EventWindow, cancellationToken);
            if (r % 2 == 1)
            {
                plain.Add(await Plain());
                acked.Add(await Waits());
            }
            else
            {
                acked.Add(await Waits());
                plain.Add(await Plain());
            }

            var (a, p) = (acked[^1], plain[^1]);
            Progress.Say($"durability {r}/{settings.Repetitions}: WAIT 1 {a.EventsPerSecond:0}/s p50 {a.Latency.P50:0.00} ms p99 {a.Latency.P99:0.00} ms; "
                + $"no WAIT {p.EventsPerSecond:0}/s p50 {p.Latency.P50:0.00} ms p99 {p.Latency.P99:0.00} ms");
        }

        var baseline = "the same workers with MinReplicaAcks 0 (the default), same primary and replica";
        var rate = new Figure
        {
            Scenario = "durability",
            Name = $"events/s with MinReplicaAcks 1 ({Workers:N0} endless workers, batch 100, primary + 1 replica, one silo)",
            Unit = "/s",
            Baseline = baseline,
            HigherIsBetter = true,
            Ours = [.. acked.Select(a => a.EventsPerSecond)],
            BaselineValues = [.. plain.Select(p => p.EventsPerSecond)],
        };
        var notes = new List<string>
        {
            $"durability: batch commits sampled per repetition: WAIT 1 {acked.Min(a => a.Latency.Count):N0}–{acked.Max(a => a.Latency.Count):N0}, "
                + $"no WAIT {plain.Min(p => p.Latency.Count):N0}–{plain.Max(p => p.Latency.Count):N0}.",
        };
        return new ScenarioOutput(
            [rate, Latency("p50", baseline, acked.Select(a => a.Latency.P50), plain.Select(p => p.Latency.P50)), Latency("p99", baseline, acked.Select(a => a.Latency.P99), plain.Select(p => p.Latency.P99))],
            [],
            notes);
    }

    private Figure Latency(string percentile, string baseline, IEnumerable<double> acked, IEnumerable<double> plain) => new()
    {
        Scenario = "durability",
        Name = $"commit latency {percentile} with MinReplicaAcks 1 ({Workers:N0} workers; overseer.commit-duration: script, WAIT, retries)",
        Unit = "ms",
        Baseline = baseline,
        HigherIsBetter = false,
        Ours = [.. acked],
        BaselineValues = [.. plain],
    };

    /// <summary>Starts <paramref name="n"/> endless workers on <paramref name="silo"/>, waits until each has committed,
    /// measures the committed events and each batch commit's latency over <paramref name="window"/>, and stops them.</summary>
    private static async Task<DurabilityRound> RoundAsync(
        InProcessSilo silo, IConnectionMultiplexer watch, CommitMeter meter, string prefix, int n, TimeSpan window, CancellationToken cancellationToken)
    {
        var manager = silo.Grains.GetGrain<IManagerGrain>(0);
        var ids = Enumerable.Range(0, n).Select(i => $"{prefix}{i}").ToArray();
        await Bounded.RunAsync($"durability: start ({prefix}*)", n, InFlight, (i, t) => manager.StartAsync(ids[i], Endless, t), cancellationToken);
        try
        {
            var cursors = new CursorPoller(watch.GetDatabase(), silo.ServiceId, ids);
            await cursors.WaitAllPastAsync(new long[n], System.Diagnostics.Stopwatch.StartNew(), CursorPoller.TimeoutFor(n), $"durability ({prefix}*): first commits", cancellationToken);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            meter.Begin();
            await Task.Delay(window, cancellationToken);
            var (events, durations) = meter.End();
            if (durations.Count == 0)
            {
                throw new BenchFailedException($"durability ({prefix}*): no batch committed in {window.TotalSeconds:0.#} s");
            }

            return new DurabilityRound(events / clock.Elapsed.TotalSeconds, LatencyStats.Of(durations));
        }
        finally
        {
            await Bounded.RunAsync($"durability: stop ({prefix}*)", n, InFlight, (i, t) => manager.StopAsync(ids[i], t), cancellationToken);
        }
    }

    private static async Task WaitReplicaOnlineAsync(IConnectionMultiplexer watch, int replicaPort, CancellationToken cancellationToken)
    {
        var server = watch.GetServer(watch.GetEndPoints()[0]);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var info = await server.InfoRawAsync("replication") ?? "";
            if (info.Contains("connected_slaves:1", StringComparison.Ordinal) && info.Contains("state=online", StringComparison.Ordinal))
            {
                return;
            }

            if (clock.Elapsed > SyncTimeout)
            {
                throw new BenchFailedException($"durability: the replica on port {replicaPort} was not online within {SyncTimeout.TotalSeconds:0} s; INFO replication: {info}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
