using System.Diagnostics;
using Overseer.Models;

namespace Overseer.Bench.Suite;

/// <summary><c>events</c>: committed events/s of N endless <c>sequence</c> workers (batch 100) on one real silo process,
/// against <c>redis-benchmark -P 16</c> XADD of an equally long payload on the same Redis, interleaved (the workers are
/// stopped while redis-benchmark runs).</summary>
internal sealed class EventsScenario(SuiteSettings settings)
{
    private const int InFlight = 500;
    private static readonly WorkerSpec Endless = WorkerSpec.For("sequence", ("batch", "100"));

    public async Task<ScenarioOutput> RunAsync(CancellationToken cancellationToken)
    {
        await using var cluster = await BenchCluster.StartAsync(1, cancellationToken, new Dictionary<string, string> { ["Overseer__Supervision__RebalanceInterval"] = "0s" });
        var n = settings.EventWorkers;

        // A sequence event's payload is "{id}#{seq}#{16 hex digits}"; the baseline XADDs one as long.
        var payload = $"ev-1-{n / 2}#{1_000_000}#0123456789abcdef";
        var (ours, bare) = (new List<double>(), new List<double>());
        Progress.Say("events: warm-up (one short round), not reported");
        await OursAsync(cluster, "evw-", Math.Min(n, 100), TimeSpan.FromSeconds(1), cancellationToken);
        for (var r = 1; r <= settings.Repetitions; r++)
        {
            if (r % 2 == 1)
            {
                bare.Add(await RedisBenchmark.XaddAsync(cluster.Redis.Port, payload, settings.RedisBenchmarkRequests, cancellationToken));
                ours.Add(await OursAsync(cluster, $"ev{r}-", n, settings.EventWindow, cancellationToken));
            }
            else
            {
                ours.Add(await OursAsync(cluster, $"ev{r}-", n, settings.EventWindow, cancellationToken));
                bare.Add(await RedisBenchmark.XaddAsync(cluster.Redis.Port, payload, settings.RedisBenchmarkRequests, cancellationToken));
            }

            Progress.Say($"events {r}/{settings.Repetitions}: ours {ours[^1]:0}/s; redis-benchmark XADD {bare[^1]:0}/s");
        }

        var points = new List<ChartPoint>();
        var notes = new List<string>();
        foreach (var size in settings.EventChartSizes.Append(n).Order())
        {
            if (size == n)
            {
                points.Add(new ChartPoint(n, Summary.Of(ours).Median, Summary.Of(bare).Median));
                continue;
            }

            // A chart point that fails (e.g. Redis timeouts under 10,000 endless workers) is a finding, not a reason to
            // lose the headline: it is reported as a note and left out of the chart.
            try
            {
                var o = await OursAsync(cluster, $"evc{size}-", size, settings.EventWindow, cancellationToken);
                var b = await RedisBenchmark.XaddAsync(cluster.Redis.Port, payload, settings.RedisBenchmarkRequests, cancellationToken);
                Progress.Say($"events with {size} workers: ours {o:0}/s; redis-benchmark XADD {b:0}/s");
                points.Add(new ChartPoint(size, o, b));
            }
            catch (BenchFailedException ex)
            {
                var firstLine = ex.Message.Split('\n')[0];
                notes.Add($"events with {size:N0} workers failed, left out of the chart: {(firstLine.Length > 400 ? firstLine[..400] + "…" : firstLine)}");
                Progress.Say(notes[^1]);
            }
        }

        var figure = new Figure
        {
            Scenario = "events",
            Name = $"events/s ({n:N0} endless workers, batch 100, one silo)",
            Unit = "/s",
            Baseline = $"redis-benchmark -P {RedisBenchmark.Pipeline} -c {RedisBenchmark.Clients} XADD, same payload length",
            HigherIsBetter = true,
            Ours = ours,
            BaselineValues = bare,
            Target = "≥ 1.0",
        };
        figure = figure with { Met = figure.RatioSummary.Median >= 1.0 };
        var chart = new Chart("throughput.svg", "Committed events/s against number of workers (batch 100, one silo)", "events/s",
            $"redis-benchmark -P {RedisBenchmark.Pipeline} XADD", points);
        return new ScenarioOutput([figure], [chart], notes);
    }

    /// <summary>Starts <paramref name="n"/> endless workers, waits until each has committed, measures the committed
    /// events over <paramref name="window"/>, and stops them all.</summary>
    private static async Task<double> OursAsync(BenchCluster cluster, string prefix, int n, TimeSpan window, CancellationToken cancellationToken)
    {
        var ids = Enumerable.Range(0, n).Select(i => $"{prefix}{i}").ToArray();
        await Bounded.RunAsync($"events: start ({prefix}*)", n, InFlight, (i, t) => cluster.Client.StartAsync(ids[i], Endless, t), cancellationToken);
        var cursors = new CursorPoller(cluster.Database, cluster.ServiceId, ids);
        try
        {
            await cursors.WaitAllPastAsync(new long[n], Stopwatch.StartNew(), CursorPoller.TimeoutFor(n), $"events ({prefix}*): first commits", cancellationToken);
            var clock = Stopwatch.StartNew();
            var before = (await cursors.ReadAsync()).Sum();
            var t0 = clock.Elapsed;
            await Task.Delay(window, cancellationToken);
            var after = (await cursors.ReadAsync()).Sum();
            var t1 = clock.Elapsed;
            return (after - before) / (t1 - t0).TotalSeconds;
        }
        finally
        {
            await Bounded.RunAsync($"events: stop ({prefix}*)", n, InFlight, (i, t) => cluster.Client.StopAsync(ids[i], t), cancellationToken);
        }
    }
}
