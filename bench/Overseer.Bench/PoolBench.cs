using System.Diagnostics;
using System.Globalization;
using Overseer.Models;

namespace Overseer.Bench;

/// <summary>10,000 (<c>--workers</c>) endless sequence workers on fresh clusters, without caps and with them
/// (<c>MaxRunningWorkers</c> and <c>MaxConcurrentFetchesPerSilo</c>): committed events/s over a window, and the silos'
/// resident memory at the end of it.</summary>
internal sealed class PoolBench(BenchOptions options)
{
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(5);

    public sealed record Result(string Setting, double EventsPerSecond, long RunningWorkers, long PendingWorkers, double SiloRssMiB);

    public async Task<IReadOnlyList<Result>> RunAsync(CancellationToken cancellationToken)
    {
        var workers = options.WorkersGiven ? options.Workers : 10_000;
        (string Name, Dictionary<string, string> Environment)[] settings =
        [
            ("no caps", new()),
            ($"MaxRunningWorkers={workers / 10}", new() { ["Overseer__Pool__MaxRunningWorkers"] = (workers / 10).ToString(CultureInfo.InvariantCulture) }),
            ("MaxConcurrentFetchesPerSilo=50", new() { ["Overseer__Pool__MaxConcurrentFetchesPerSilo"] = "50" }),
        ];
        var results = new List<Result>();
        foreach (var (name, environment) in settings)
        {
            results.Add(await MeasureAsync(name, environment, workers, cancellationToken));
        }

        return results;
    }

    private async Task<Result> MeasureAsync(string name, Dictionary<string, string> environment, int workers, CancellationToken cancellationToken)
    {
        await using var cluster = await BenchCluster.StartAsync(options.Silos, cancellationToken, environment);
        var ids = Enumerable.Range(0, workers).Select(i => $"pool-{i:D6}").ToList();
        // Endless, 100 events per fetch every 2 s: 10,000 of them ask for ~5,000 commits/s, about what two cores sustain.
        var spec = WorkerSpec.For("sequence", ("batch", "100"), ("delayMs", "2000"));
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
            async (id, ct) => await cluster.Client.StartAsync(id, spec, ct));
        Progress.Say($"{name}: {workers} workers started in {clock.Elapsed.TotalSeconds:0.0} s");

        // The warm-up and the window are the measurement itself, not waits for a condition.
        await Task.Delay(WarmUp, cancellationToken);
        var before = (await cluster.CheckpointsAsync(ids)).Sum();
        clock.Restart();
        await Task.Delay(TimeSpan.FromSeconds(options.Seconds), cancellationToken);
        var after = (await cluster.CheckpointsAsync(ids)).Sum();
        var rate = (after - before) / clock.Elapsed.TotalSeconds;
        var summary = await cluster.Client.GetSummaryAsync(cancellationToken);
        var rss = cluster.Silos.Sum(s => RssMiB(s.ProcessId));
        var result = new Result(name, rate, summary.ByStatus.GetValueOrDefault("running"), summary.ByStatus.GetValueOrDefault("pending"), rss);
        Progress.Say($"{name}: {rate:0} events/s, running {result.RunningWorkers}, pending {result.PendingWorkers}, silo RSS {rss:0} MiB in all");
        return result;
    }

    private static double RssMiB(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }
}
