using System.Text;

namespace Overseer.Bench;

/// <summary>Renders the results as markdown for stdout.</summary>
internal static class ResultsTable
{
    public static string Render(BenchOptions options, MachineInfo machine, StartRateResult starts, RestartLatencyResult restarts)
    {
        var md = new StringBuilder();
        md.AppendLine("## Overseer bench")
            .AppendLine()
            .AppendLine($"{options.Silos} silo process(es), {options.Workers} workers, {options.Concurrency} calls in flight, "
                + $"{options.CrashWorkers} + {options.CrashWorkers} restart-phase workers; shipped silo settings "
                + "(8 partitions, backoff min 100 ms with equal jitter, Information logging).")
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
            .AppendLine($"All {starts.Workers} `limit=1` workers Completed {starts.AllCompletedAfterFirstStart.TotalSeconds:0.00} s after the "
                + $"first start ({starts.AllCompletedAfterLastCall.TotalSeconds:0.00} s after the repeated pass ended; summary polled every 50 ms).")
            .AppendLine($"The repeated start ran {starts.RepeatReran} of {starts.Workers} workers again (run counts read from Redis): "
                + "a Completed worker is not live, so an identical start restarts it. The Running pair is the real no-op path "
                + "(manager → partition registry write → worker, which answers without running); no live worker ran twice.")
            .AppendLine()
            .AppendLine("### Crash-restart latency (start call returned → Completed)")
            .AppendLine()
            .AppendLine("| Group | Workers | Restarts each | p50 committed | p90 committed | p50 observed | p90 observed |")
            .AppendLine("|---|--:|--:|--:|--:|--:|--:|");
        foreach (var group in new[] { restarts.Crashing, restarts.Clean })
        {
            md.AppendLine($"| {group.Label} | {group.Workers} | {group.Restarts} | {Ms(group.Committed.P50)} | {Ms(group.Committed.P90)} | "
                + $"{Ms(group.Observed.P50)} | {Ms(group.Observed.P90)} |");
        }

        var (crash, clean) = (restarts.Crashing, restarts.Clean);
        md.AppendLine($"| **added by one crash-restart** | | | **{Ms(crash.Committed.P50 - clean.Committed.P50)}** | "
                + $"{Ms(crash.Committed.P90 - clean.Committed.P90)} | **{Ms(crash.Observed.P50 - clean.Observed.P50)}** | "
                + $"{Ms(crash.Observed.P90 - clean.Observed.P90)} |")
            .AppendLine()
            .AppendLine("Committed: until the worker persisted Completed (its snapshot's `UpdatedAt`; same host clock). "
                + $"Observed: until a registry poll (every {restarts.PollInterval.TotalMilliseconds:0} ms, no worker activated by it) showed it. "
                + "Restart counts were checked with every worker afterwards (1 per crashing worker, 0 otherwise, checkpoint 100). "
                + "The added time is backoff (50–100 ms) + the partition's next 100 ms tick + the poke + reactivation from Redis.");
        return md.ToString();
    }

    private static string Ms(double milliseconds) => $"{milliseconds:0.0} ms";
}
