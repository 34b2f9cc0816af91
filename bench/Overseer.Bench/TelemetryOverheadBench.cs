using System.Diagnostics;
using Overseer.Models;

namespace Overseer.Bench;

/// <summary>Event throughput with telemetry off and on, side by side: each round starts a fresh cluster per setting
/// (the order alternates between rounds to cancel drift), runs the same sequence workers, and counts committed
/// events over a fixed window from Redis.</summary>
internal sealed class TelemetryOverheadBench(BenchOptions options)
{
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(120);

    public async Task<IReadOnlyList<(bool Telemetry, double EventsPerSecond)>> RunAsync(CancellationToken cancellationToken)
    {
        var results = new List<(bool, double)>();
        for (var round = 0; round < options.Rounds; round++)
        {
            bool[] order = round % 2 == 0 ? [false, true] : [true, false];
            foreach (var telemetry in order)
            {
                results.Add((telemetry, await MeasureAsync(telemetry, cancellationToken)));
            }
        }

        return results;
    }

    private async Task<double> MeasureAsync(bool telemetry, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string> { ["Overseer__Telemetry__Enabled"] = telemetry ? "true" : "false" };
        await using var cluster = await BenchCluster.StartAsync(options.Silos, cancellationToken, environment);
        var workers = options.WorkersGiven ? options.Workers : 200;
        var ids = Enumerable.Range(0, workers).Select(i => $"tp-{i:D5}").ToList();
        var spec = WorkerSpec.For("sequence", ("batch", "100"));
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
            async (id, ct) => await cluster.Client.StartAsync(id, spec, ct));

        var started = Stopwatch.StartNew();
        while ((await cluster.CheckpointsAsync(ids)).Any(cp => cp == 0))
        {
            if (started.Elapsed > StartDeadline)
            {
                throw new BenchFailedException($"not every one of {workers} workers committed within {StartDeadline.TotalSeconds:0} s (telemetry {(telemetry ? "on" : "off")})");
            }

            await Task.Delay(100, cancellationToken);
        }

        // The warm-up and the window are the measurement itself, not waits for a condition.
        await Task.Delay(WarmUp, cancellationToken);
        var before = (await cluster.CheckpointsAsync(ids)).Sum();
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(options.Seconds), cancellationToken);
        var after = (await cluster.CheckpointsAsync(ids)).Sum();
        var rate = (after - before) / clock.Elapsed.TotalSeconds;
        Progress.Say($"telemetry {(telemetry ? "on " : "off")}: {rate:0} events/s over {clock.Elapsed.TotalSeconds:0.0} s ({workers} workers, {options.Silos} silos)");
        return rate;
    }
}
