using System.Diagnostics;
using Overseer.Models;

namespace Overseer.Bench.Suite;

/// <summary><c>restore</c>: a real silo process with N running workers is killed with SIGKILL and a fresh one started
/// on its ports; silo ready → every worker committed again. Baseline: a fresh child process with one silo reactivating
/// N stored bare states cold (silo ready → every grain active), on the same Redis, interleaved.</summary>
/// <remarks>The workers' source waits <see cref="DelayMs"/> before every fetch, so each commits once a second; that
/// delay is subtracted from "ready → every worker committed again" (it is the source's, not the restore's).</remarks>
internal sealed class RestoreScenario(SuiteSettings settings)
{
    private const int DelayMs = 1000;
    private const int InFlight = 500;

    private static readonly WorkerSpec Endless = WorkerSpec.For("sequence", ("batch", "1"), ("delayMs", DelayMs.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public async Task<ScenarioOutput> RunAsync(CancellationToken cancellationToken)
    {
        var n = settings.RestoreWorkers;
        var headline = await MeasureAsync(n, settings.ProcessRepetitions, cancellationToken);
        var figures = Figures(n, headline);
        var points = new List<ChartPoint>();
        foreach (var size in settings.RestoreChartSizes)
        {
            var one = await MeasureAsync(size, 1, cancellationToken);
            points.Add(new ChartPoint(size, one.Ours[0], one.Bare[0]));
            if (size == SuiteSettings.LargeSize)
            {
                // The "100,000 restored without a storm": its rate, its first worker, and Redis's load.
                figures.AddRange(Figures(size, one));
            }
        }

        points.Add(new ChartPoint(n, Summary.Of(headline.Ours).Median, Summary.Of(headline.Bare).Median));
        var chart = new Chart("restore-time.svg", "Cold restore: silo ready → every worker committed again", "ms", "bare cold reactivation", [.. points.OrderBy(p => p.Workers)]);
        return new ScenarioOutput(figures, [chart], []);
    }

    private static List<Figure> Figures(int n, Measured m)
    {
        var rate = new Figure
        {
            Scenario = "restore",
            Name = $"cold restore after kill -9 ({n:N0} running workers, one silo): workers/s",
            Unit = "/s",
            Baseline = $"bare cold reactivation of {n:N0} stored states in a fresh silo",
            HigherIsBetter = true,
            Ours = [.. m.Ours.Select(ms => n / (ms / 1000))],
            BaselineValues = [.. m.Bare.Select(ms => n / (ms / 1000))],
            Target = "≥ 0.6 and ≥ 10,000/s",
        };
        rate = rate with { Met = rate.RatioSummary.Median >= 0.6 && rate.OursSummary.Median >= 10_000 };
        var time = new Figure
        {
            Scenario = "restore",
            Name = $"silo ready → every worker committed again (minus the source's 1 s delay; {n:N0})",
            Unit = "ms",
            Baseline = "silo ready → every bare grain active",
            HigherIsBetter = false,
            Ours = m.Ours,
            BaselineValues = m.Bare,
        };
        var first = Figure.Stated(
            "restore", $"silo ready → first worker committed again (minus the 1 s delay; {n:N0})", "ms", m.First,
            "— (no baseline: a bare silo restores nothing by itself)") with { Target = "first resumes at once" };
        var redis = Figure.Stated(
            "restore", $"Redis CPU while {n:N0} workers are restored (1.0 = its one thread saturated; includes the bench's cursor polling)", "cores",
            m.RedisCores, "— (INFO cpu over silo restart → every worker committed again)") with { Target = "Redis never saturated" };
        redis = redis with { Met = redis.OursSummary.Max < 0.9 };
        // The process's own start-up is not in the ratio (the bare probe's silo is up before it is timed), so it is shown
        // beside it: what a restart costs in all is start-up + restore.
        var ready = Figure.Stated(
            "restore", $"silo process started → ready ({n:N0} workers to restore)", "ms", m.Ready, "— (the silo's start-up, before the restore is timed)");
        var total = Figure.Stated(
            "restore", $"silo process started → every worker committed again (minus the 1 s delay; {n:N0})", "ms", m.Total, "— (start-up + restore)");
        return [rate, time, first, ready, total, redis];
    }

    /// <summary>Per repetition: ready → all committed (ms), ready → first committed (ms), the bare baseline (ms), Redis's
    /// CPU over the restore (cores), process started → ready (ms) and process started → all committed (ms).</summary>
    private sealed record Measured(List<double> Ours, List<double> First, List<double> Bare, List<double> RedisCores, List<double> Ready, List<double> Total);

    private static async Task<Measured> MeasureAsync(int n, int repetitions, CancellationToken cancellationToken)
    {
        await using var cluster = await BenchCluster.StartAsync(1, cancellationToken, new Dictionary<string, string> { ["Overseer__Supervision__RebalanceInterval"] = "0s" });
        var ids = Enumerable.Range(0, n).Select(i => $"rs-{i}").ToArray();
        Progress.Say($"restore: starting {n} endless workers (delayMs={DelayMs})");
        await Bounded.RunAsync("restore: start", n, InFlight, (i, t) => cluster.Client.StartAsync(ids[i], Endless, t), cancellationToken);
        var cursors = new CursorPoller(cluster.Database, cluster.ServiceId, ids);
        await cursors.WaitAllPastAsync(new long[n], Stopwatch.StartNew(), CursorPoller.TimeoutFor(n), "restore: first commits", cancellationToken);

        var bareService = $"bare-{Guid.NewGuid():N}";
        await ProbeProcess.RunAsync(ProbeKind.BareWrite, cluster.Redis.ConnectionString, bareService, n, quick: false, cancellationToken);

        var (ours, first, bare, redisCores) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        var (readyTimes, totals) = (new List<double>(), new List<double>());
        for (var r = 1; r <= repetitions; r++)
        {
            async Task Ours()
            {
                await cluster.KillSilosAsync();
                var before = await cursors.ReadAsync();
                var redisCpu = await RedisMemory.CpuSecondsAsync(cluster.Database.Multiplexer);
                var clock = Stopwatch.StartNew();
                var ready = cluster.RestartSilosAsync(cancellationToken);
                var readyAt = TimeSpan.Zero;
                var readyWatch = ready.ContinueWith(_ => readyAt = clock.Elapsed, TaskScheduler.Default);
                var (firstAt, lastAt) = await cursors.WaitAllPastAsync(before, clock, CursorPoller.TimeoutFor(n), $"restore of {n}", cancellationToken);
                redisCores.Add((await RedisMemory.CpuSecondsAsync(cluster.Database.Multiplexer) - redisCpu) / clock.Elapsed.TotalSeconds);
                await ready;
                await readyWatch;
                // /health/ready is polled every 100 ms and can answer after the first restored worker has already
                // begun its fetch: the silo was evidently ready by then, so "ready" is the earlier of the two.
                var delay = TimeSpan.FromMilliseconds(DelayMs);
                var readyBy = readyAt < firstAt - delay ? readyAt : firstAt - delay;
                ours.Add(Math.Max(1, (lastAt - delay - readyBy).TotalMilliseconds));
                readyTimes.Add(readyBy.TotalMilliseconds);
                totals.Add((lastAt - delay).TotalMilliseconds);
                first.Add((firstAt - delay - readyBy).TotalMilliseconds);

                // Dead while the baseline runs, so that it does not share the machine with 'n' running workers.
                await cluster.KillSilosAsync();
            }

            async Task Bare() =>
                bare.Add((await ProbeProcess.RunAsync(ProbeKind.BareCold, cluster.Redis.ConnectionString, bareService, n, quick: false, cancellationToken)).Milliseconds);

            if (r % 2 == 1)
            {
                await Ours();
                await Bare();
            }
            else
            {
                await Bare();
                await Ours();
            }

            Progress.Say($"restore {n} {r}/{repetitions}: ours {ours[^1]:0} ms (first {first[^1]:0} ms, Redis {redisCores[^1]:0.00} cores); bare {bare[^1]:0} ms");
        }

        return new Measured(ours, first, bare, redisCores, readyTimes, totals);
    }
}
