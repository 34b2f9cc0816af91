using System.Diagnostics;
using Overseer.Models;

namespace Overseer.Bench;

/// <summary>How fast the worker view answers with a large registry: <c>--workers</c> (default 100,000) workers that
/// each index one event and complete, then timed GETs of <c>/workers</c> pages, a search and the JSON API on a silo.</summary>
internal sealed class ViewLatencyBench(BenchOptions options)
{
    private const int Requests = 20;

    public async Task<IReadOnlyList<(string Request, LatencyStats Latency)>> RunAsync(CancellationToken cancellationToken)
    {
        var workers = options.WorkersGiven ? options.Workers : 100_000;
        await using var cluster = await BenchCluster.StartAsync(options.Silos, cancellationToken);
        var spec = WorkerSpec.For("sequence", ("limit", "1"));
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, workers), new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
            async (i, ct) => await cluster.Client.StartAsync($"view-{i:D6}", spec, ct));
        Progress.Say($"{workers} workers started in {clock.Elapsed.TotalSeconds:0.0} s");

        using var http = new HttpClient { BaseAddress = cluster.Silos[0].HttpAddress, Timeout = TimeSpan.FromSeconds(60) };
        string[] paths =
        [
            "/workers",
            "/workers?limit=1000",
            $"/workers?after=view-{workers / 2:D6}",
            "/workers?q=view-0999",
            "/workers?status=failed",
            "/workers/api?limit=100",
        ];
        var results = new List<(string, LatencyStats)>();
        foreach (var path in paths)
        {
            var samples = new List<double>();
            for (var i = 0; i < Requests; i++)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync(path, cancellationToken);
                await response.Content.ReadAsByteArrayAsync(cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new BenchFailedException($"GET {path} answered {(int)response.StatusCode}");
                }

                samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            var stats = LatencyStats.Of(samples);
            results.Add((path, stats));
            Progress.Say($"GET {path}: p50 {stats.P50:0.0} ms, p99 {stats.P99:0.0} ms");
        }

        return results;
    }
}
