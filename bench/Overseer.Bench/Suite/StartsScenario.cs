using Overseer.Bench.Baseline;
using Overseer.Bench.CrashRestart;
using Overseer.Models;

namespace Overseer.Bench.Suite;

/// <summary><c>starts</c>: fresh <c>limit=1</c> starts through the manager with a bounded number in flight, against a
/// bare grain's activation + one Redis state write (<see cref="IBareStateGrain.TouchAsync"/>) in the same silo.</summary>
/// <remarks>One silo hosted in the bench process with the shipped settings; both kinds of call come from outside any
/// grain, through the silo's own grain factory, so neither pays a network hop the other does not. Each of our rounds
/// ends, untimed, when its runs have completed, so that no round is charged for another's.</remarks>
internal sealed class StartsScenario(SuiteSettings settings)
{
    private static readonly WorkerSpec Completing = WorkerSpec.For("sequence", ("limit", "1"));

    public async Task<ScenarioOutput> RunAsync(CancellationToken cancellationToken)
    {
        await using var silo = await InProcessSilo.StartShippedAsync(cancellationToken);
        var manager = silo.Grains.GetGrain<IManagerGrain>(0);
        var (n, inFlight) = (settings.Starts, settings.StartsInFlight);

        var warm = settings.Quick ? 100 : 2_000;
        Progress.Say($"starts: warm-up, rounds of {warm:N0} of each until the JIT is quiet, not reported");
        await JitWarmUp.UntilQuietAsync("starts", async w =>
        {
            await OursAsync(manager, $"sw{w}-", warm, inFlight, cancellationToken);
            await BareAsync(silo, $"bw{w}-", warm, inFlight, cancellationToken);
        }, cancellationToken);

        var (ours, bare, oursP99, bareP99) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        for (var r = 1; r <= settings.Repetitions; r++)
        {
            (TimeSpan Elapsed, LatencyStats Latency) o, b;
            var jit = JitWarmUp.CompileTime;
            if (r % 2 == 1)
            {
                b = await BareAsync(silo, $"b{r}-", n, inFlight, cancellationToken);
                o = await OursAsync(manager, $"s{r}-", n, inFlight, cancellationToken);
            }
            else
            {
                o = await OursAsync(manager, $"s{r}-", n, inFlight, cancellationToken);
                b = await BareAsync(silo, $"b{r}-", n, inFlight, cancellationToken);
            }

            ours.Add(n / o.Elapsed.TotalSeconds);
            bare.Add(n / b.Elapsed.TotalSeconds);
            oursP99.Add(o.Latency.P99);
            bareP99.Add(b.Latency.P99);
            Progress.Say($"starts {r}/{settings.Repetitions}: ours {ours[^1]:0}/s p99 {o.Latency.P99:0.0} ms; bare {bare[^1]:0}/s p99 {b.Latency.P99:0.0} ms; JIT {(JitWarmUp.CompileTime - jit).TotalMilliseconds:0} ms");
        }

        var rate = new Figure
        {
            Scenario = "starts",
            Name = $"starts/s ({n:N0} starts, {inFlight} in flight, one silo)",
            Unit = "/s",
            Baseline = "bare activation + one Redis state write",
            HigherIsBetter = true,
            Ours = ours,
            BaselineValues = bare,
            Target = "≥ 0.6 and ≥ 8,000/s",
        };
        rate = rate with { Met = rate.RatioSummary.Median >= 0.6 && rate.OursSummary.Median >= 8_000 };
        var p99 = new Figure
        {
            Scenario = "starts",
            Name = "start latency p99",
            Unit = "ms",
            Baseline = "bare activation + write, p99",
            HigherIsBetter = false,
            Ours = oursP99,
            BaselineValues = bareP99,
            Target = "≤ 100 ms",
        };
        p99 = p99 with { Met = p99.OursSummary.Median <= 100 };
        return new ScenarioOutput([rate, p99], [], []);
    }

    /// <summary>How long the runs of one round may take to complete after its last start returned.</summary>
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan SettlePoll = TimeSpan.FromMilliseconds(20);

    /// <summary><paramref name="n"/> starts, timed; then, untimed, until the registry counts every worker started so far
    /// Completed. A start returns before its run has fetched and committed: without the wait, a round's runs went on
    /// completing during the next round, whichever side's it was, and charged it for them.</summary>
    private static async Task<(TimeSpan Elapsed, LatencyStats Latency)> OursAsync(
        IManagerGrain manager, string prefix, int n, int inFlight, CancellationToken cancellationToken)
    {
        var before = await CompletedAsync(manager, cancellationToken);
        var timed = await Bounded.RunAsync($"starts ({prefix}*)", n, inFlight, (i, token) => manager.StartAsync($"{prefix}{i}", Completing, token), cancellationToken);
        var deadline = DateTime.UtcNow + SettleTimeout;
        int completed;
        while ((completed = await CompletedAsync(manager, cancellationToken)) < before + n)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new BenchFailedException(
                    $"starts ({prefix}*): expected the registry to count {before + n:N0} workers Completed within {SettleTimeout.TotalSeconds:0} s of the round's last start, but it counts {completed:N0}");
            }

            await Task.Delay(SettlePoll, cancellationToken);
        }

        return timed;
    }

    private static async Task<int> CompletedAsync(IManagerGrain manager, CancellationToken cancellationToken) =>
        (await manager.GetSummaryAsync(cancellationToken)).ByStatus.GetValueOrDefault("completed");

    private static Task<(TimeSpan Elapsed, LatencyStats Latency)> BareAsync(
        InProcessSilo silo, string prefix, int n, int inFlight, CancellationToken cancellationToken) =>
        Bounded.RunAsync($"bare starts ({prefix}*)", n, inFlight, (i, token) => silo.Grains.GetGrain<IBareStateGrain>($"{prefix}{i}").TouchAsync(token), cancellationToken);
}
