using Overseer.Bench.CrashRestart;

namespace Overseer.Bench.Suite;

/// <summary><c>crash-restart</c>: the existing <see cref="CrashRestartBench"/> (crash → first commit of the next run
/// with backoff 0, against a bare grain's deactivate/reactivate + write), its rounds as the suite's repetitions.</summary>
internal sealed class CrashRestartScenario(SuiteSettings settings)
{
    public async Task<ScenarioOutput> RunAsync(CancellationToken cancellationToken)
    {
        var options = new BenchOptions { CrashRestart = true, Quick = settings.Quick, Rounds = settings.Repetitions, RoundsGiven = true };
        var result = await new CrashRestartBench(options).RunAsync(cancellationToken);
        var p99 = new Figure
        {
            Scenario = "crash-restart",
            Name = $"crash → first commit of the next run, p99 ({result.Workers} workers × {result.Crashes} crashes, backoff {result.Backoff.TotalMilliseconds:0} ms)",
            Unit = "ms",
            Baseline = "bare deactivate → reactivate + state write, p99",
            HigherIsBetter = false,
            Ours = [.. result.Rounds.Select(r => r.FromExit.P99)],
            BaselineValues = [.. result.Rounds.Select(r => r.Touch.P99)],
            Target = "≤ 1.2× and ≤ 5 ms",
        };
        p99 = p99 with { Met = p99.RatioSummary.Median <= 1.2 && p99.OursSummary.Median <= 5 };
        var p50 = new Figure
        {
            Scenario = "crash-restart",
            Name = "crash → first commit of the next run, p50",
            Unit = "ms",
            Baseline = "bare deactivate → reactivate + state write, p50",
            HigherIsBetter = false,
            Ours = [.. result.Rounds.Select(r => r.FromExit.P50)],
            BaselineValues = [.. result.Rounds.Select(r => r.Touch.P50)],
        };
        var notes = result.Backoff == result.RequestedBackoff
            ? Array.Empty<string>()
            : [$"crash-restart ran with backoff {result.Backoff.TotalMilliseconds} ms: the silo refused {result.RequestedBackoff.TotalMilliseconds} ms"];
        return new ScenarioOutput([p99, p50], [], notes);
    }
}
