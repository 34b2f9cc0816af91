using System.Text;

namespace Overseer.Bench.CrashRestart;

/// <summary>Renders the crash-restart bench as markdown for stdout: per-round figures, then the summary over rounds.</summary>
internal static class CrashRestartTable
{
    /// <summary>The issue's target for crash → first commit of the next run, p99 with backoff 0.</summary>
    public const double TargetP99Ms = 5.0;

    public static string Render(MachineInfo machine, CrashRestartResult result)
    {
        var rounds = result.Rounds;
        var md = new StringBuilder();
        md.AppendLine("## Overseer bench: crash → first commit of the next run")
            .AppendLine()
            .AppendLine($"One in-process silo (shipped settings: 8 partitions, no pool caps) on a private Redis, supervision backoff "
                + $"{Backoff(result)}; {rounds.Count} rounds, each {result.Workers} workers × {result.Crashes} crashes "
                + $"(`sequence`, `batch=10`, `failAfter=10`: every run commits one batch, then its next fetch throws) and "
                + $"{result.Workers} bare grains × {result.Crashes} cycles of each baseline, {result.Workers} at a time, order alternating.  ")
            .AppendLine($"Machine: {machine.Cores} cores ({machine.Cpu}), {machine.MemoryGiB:0.0} GiB, {machine.Os}, {machine.Runtime}, "
                + $"{machine.Redis} (private, appendonly everysec). Bench, silo and Redis share the machine"
                + (MachineInfo.LoadAverage() is { } load ? $"; load average (1/5/15 min) at the end: {load}." : "."))
            .AppendLine()
            .AppendLine("### Rounds")
            .AppendLine()
            .AppendLine("| Round | First | Samples | Crash → commit p50 | p99 | max | from throw p50 | p99 | Bare: reactivate+read+write p50 | p99 | Bare: reactivate+read p50 | p99 | Ratio p50 | Ratio p99 |")
            .AppendLine("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var r in rounds)
        {
            md.AppendLine($"| {r.Number} | {(r.BaselineFirst ? "bare" : "ours")} | {r.FromExit.Count} | {Ms(r.FromExit.P50)} | {Ms(r.FromExit.P99)} | "
                + $"{Ms(r.FromExit.Max)} | {Ms(r.FromThrow?.P50)} | {Ms(r.FromThrow?.P99)} | {Ms(r.Touch.P50)} | {Ms(r.Touch.P99)} | "
                + $"{Ms(r.Read.P50)} | {Ms(r.Read.P99)} | {Ratio(r.FromExit.P50 / r.Touch.P50)} | {Ratio(r.FromExit.P99 / r.Touch.P99)} |");
        }

        md.AppendLine()
            .AppendLine($"### Summary: median over {rounds.Count} rounds (min–max)")
            .AppendLine()
            .AppendLine("| Figure | p50 | p99 | max |")
            .AppendLine("|---|--:|--:|--:|")
            .AppendLine(Row("**ours**: crash (exit span) → first commit of the next run", rounds.Select(r => r.FromExit).ToList()))
            .AppendLine(Row("ours: crash (the fetch that threw) → the same commit", [.. rounds.Where(r => r.FromThrow is not null).Select(r => r.FromThrow!)]))
            .AppendLine(Row("**baseline**: bare grain, deactivate → reactivate + state read + 1 state write", rounds.Select(r => r.Touch).ToList()))
            .AppendLine(Row("baseline: bare grain, deactivate → reactivate + state read", rounds.Select(r => r.Read).ToList()))
            .AppendLine($"| **ratio ours / baseline** (per round, same run) | **{Spread(rounds.Select(r => r.FromExit.P50 / r.Touch.P50), Ratio)}** | "
                + $"**{Spread(rounds.Select(r => r.FromExit.P99 / r.Touch.P99), Ratio)}** | |")
            .AppendLine();

        var p99s = rounds.Select(r => r.FromExit.P99).Order().ToList();
        var median = Median(p99s);
        md.AppendLine($"**Target: crash → first commit p99 ≤ {TargetP99Ms:0} ms with backoff 0: median p99 {Ms(median)}, worst round {Ms(p99s[^1])} — "
                + $"{(median <= TargetP99Ms ? "PASS" : "MISS")}**{(result.Backoff != result.RequestedBackoff ? $" (measured with backoff {Backoff(result)}, not 0)" : "")}.")
            .AppendLine()
            .AppendLine("- *Crash → commit*: per crash, from the start of the worker's `overseer.exit` span (`overseer.exit=crash`, opened "
                + "as the run ends; it spans the decision's state write) to the end of the first `overseer.commit` span (outcome committed) under an "
                + "`overseer.batch` span of the same worker; Stopwatch timestamps taken by an in-process ActivityListener. "
                + "*From throw* starts at the end of the `overseer.fetch` span that threw (a few µs earlier).")
            .AppendLine("- *Bare grain*: a grain whose only content is a small `[PersistentState]` in the workers' Redis grain storage. One "
                + "sample = `await g.DeactivateAsync()` (returns before the deactivation), then the time of one call that runs on a new "
                + "activation (checked): the deactivation finishing, the activation, its state read from Redis, and for the first "
                + "baseline one state write, plus the call's own round trip inside the process.")
            .AppendLine($"- Ratio: ours ÷ the first baseline in the same round, at the same percentile. The first commit of a run "
                + "also does a cursor claim and the commit itself (two Redis round trips the baseline does not make), so a ratio near 1 "
                + "means restart ≈ one reactivation.");
        var failed = rounds.Sum(r => r.Failed.Count);
        var unpaired = rounds.Sum(r => r.Unpaired);
        md.AppendLine(failed == 0
                ? "- No worker ended Failed."
                : $"- **{failed} worker(s) ended Failed and were excluded**: {string.Join(", ", rounds.SelectMany(r => r.Failed).Take(10))}.")
            .AppendLine(unpaired == 0
                ? "- Every crash was followed by a commit before the next crash."
                : $"- {unpaired} crash(es) were followed by another crash before any commit (not counted as samples).");
        return md.ToString();
    }

    private static string Row(string label, IReadOnlyList<LatencyStats> stats) =>
        stats.Count == 0
            ? $"| {label} | – | – | – |"
            : $"| {label} | {Spread(stats.Select(s => s.P50), Ms)} | {Spread(stats.Select(s => s.P99), Ms)} | {Spread(stats.Select(s => s.Max), Ms)} |";

    private static string Spread(IEnumerable<double> values, Func<double?, string> format)
    {
        var sorted = values.Order().ToList();
        return $"{format(Median(sorted))} ({format(sorted[0])}–{format(sorted[^1])})";
    }

    private static double Median(IReadOnlyList<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;

    private static string Backoff(CrashRestartResult result) =>
        result.Backoff == TimeSpan.Zero ? "0 (BackoffMin = BackoffMax = 0)" : $"{result.Backoff.TotalMilliseconds:0.###} ms (BackoffMin = BackoffMax; 0 was refused)";

    private static string Ms(double? milliseconds) => milliseconds is { } ms ? $"{ms:0.00} ms" : "–";

    private static string Ratio(double? ratio) => ratio is { } x ? $"{x:0.0}×" : "–";
}
