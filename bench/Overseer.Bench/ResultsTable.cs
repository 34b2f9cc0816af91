using System.Text;

namespace Overseer.Bench;

/// <summary>Renders the results as markdown for stdout.</summary>
internal static class ResultsTable
{
    private const int StaleExamples = 3;

    public static string Render(
        BenchOptions options, MachineInfo machine, int partitions, StartRateResult starts, RestartLatencyResult restarts)
    {
        var md = new StringBuilder();
        md.AppendLine("## Overseer bench")
            .AppendLine()
            .AppendLine($"{options.Silos} silo process(es), {partitions} partitions, {options.Workers} workers per start pass, "
                + $"{options.Concurrency} calls in flight, {options.CrashWorkers} + {options.CrashWorkers} restart-phase workers; "
                + "shipped silo settings (default supervision: backoff min 100 ms, equal jitter).  ")
            .AppendLine($"Machine: {machine.Cores} cores ({machine.Cpu}), {machine.MemoryGiB:0.0} GiB, {machine.Os}, {machine.Runtime}, "
                + $"{machine.Redis} (private, appendonly everysec). Client, silos and Redis share the machine.")
            .AppendLine()
            .AppendLine("### Start rate")
            .AppendLine()
            .AppendLine("| Pass | Calls | Wall time | Starts/s | p50 | p99 | max |")
            .AppendLine("|---|--:|--:|--:|--:|--:|--:|");
        foreach (var pass in starts.Passes)
        {
            md.AppendLine($"| {pass.Label} | {pass.Calls} | {pass.Elapsed.TotalSeconds:0.00} s | {pass.CallsPerSecond:0} | "
                + $"{Ms(pass.Latency.P50)} | {Ms(pass.Latency.P99)} | {Ms(pass.Latency.Max)} |");
        }

        md.AppendLine()
            .AppendLine($"- The repeated start ran {starts.RepeatReran} of {starts.Workers} workers again (run counts in Redis): an identical "
                + "start is a no-op for a Completed worker too (`resume` runs it again). The Running pair is the no-op path of a live worker "
                + "(manager → partition registry write → worker, which answers without running); no Running worker ran twice.")
            .AppendLine($"- Completion of the `limit=1` workers, from the first fresh start: last one persisted Completed at "
                + $"{starts.LastCompleted.TotalSeconds:0.00} s (the repeated pass ended at {starts.RepeatPassEnded.TotalSeconds:0.00} s); "
                + (starts.SummaryCompleted is { } seen
                    ? $"the summary (polled every 50 ms) counted all Completed at {seen.TotalSeconds:0.00} s."
                    : "**the summary never counted all Completed**."))
            .AppendLine(Stale("start rate", starts.RegistryStale, starts.Workers))
            .AppendLine()
            .AppendLine("### Crash-restart latency (start call returned → Completed)")
            .AppendLine()
            .AppendLine("| Group | Workers | Restarts each | p50 committed | p90 committed | p50 observed | p90 observed |")
            .AppendLine("|---|--:|--:|--:|--:|--:|--:|");
        foreach (var group in new[] { restarts.Crashing, restarts.Clean })
        {
            md.AppendLine($"| {group.Label} | {group.Workers} | {group.Restarts} | {Ms(group.Committed.P50)} | {Ms(group.Committed.P90)} | "
                + $"{Ms(group.Observed?.P50)} | {Ms(group.Observed?.P90)} |");
        }

        var (crash, clean) = (restarts.Crashing, restarts.Clean);
        md.AppendLine($"| **added by one crash-restart** | | | **{Ms(crash.Committed.P50 - clean.Committed.P50)}** | "
                + $"{Ms(crash.Committed.P90 - clean.Committed.P90)} | {Ms(crash.Observed?.P50 - clean.Observed?.P50)} | "
                + $"{Ms(crash.Observed?.P90 - clean.Observed?.P90)} |")
            .AppendLine()
            .AppendLine("- Committed: until the worker persisted Completed (its own `UpdatedAt`, same host clock). Observed: until a "
                + $"registry poll (every {restarts.PollInterval.TotalMilliseconds:0} ms; it activates no worker) showed it"
                + (Shown(crash) + Shown(clean) is var shown && shown < crash.Workers + clean.Workers
                    ? $", for the {shown} of {crash.Workers + clean.Workers} workers it ever did."
                    : "."))
            .AppendLine("- Every worker was then asked itself: all Completed with checkpoint 100 and exactly 1 restart (crashing) "
                + "or 0 (not crashing). The added time is the backoff (50–100 ms with the shipped BackoffMin 100 ms and equal jitter) "
                + "+ the exit's state write + the second run, all inside the worker's activation (see --crash-restart for backoff 0).")
            .AppendLine(Stale("restart latency", restarts.RegistryStale, crash.Workers + clean.Workers));
        return md.ToString();
    }

    private static string Stale(string phase, IReadOnlyList<string> stale, int workers) =>
        stale.Count == 0
            ? $"- Registry after the {phase} phase: every row agreed with its worker."
            : $"- **Registry after the {phase} phase: {stale.Count} of {workers} rows disagreed with their worker**, e.g. "
                + string.Join("; ", stale.Take(StaleExamples)) + ".";

    private static int Shown(RestartGroup group) => group.Observed?.Count ?? 0;

    private static string Ms(double? milliseconds) => milliseconds is { } ms ? $"{ms:0.0} ms" : "–";
}
