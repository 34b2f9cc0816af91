using System.Collections.Concurrent;
using System.Diagnostics;

namespace Overseer.Bench.Suite;

/// <summary>Runs one call per index with a bounded number in flight, timing each; any failure fails the phase.</summary>
internal static class Bounded
{
    public static async Task<(TimeSpan Elapsed, LatencyStats Latency)> RunAsync(
        string phase, int count, int inFlight, Func<int, CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        var latencies = new double[count];
        var failures = new ConcurrentQueue<(int Index, Exception Error)>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, count),
            new ParallelOptions { MaxDegreeOfParallelism = inFlight, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await call(i, token);
                    latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
                catch (Exception ex) when (!token.IsCancellationRequested)
                {
                    failures.Enqueue((i, ex));
                }
            });
        var elapsed = clock.Elapsed;
        if (failures.TryPeek(out var first))
        {
            throw new BenchFailedException(
                $"{phase}: {failures.Count} of {count} call(s) failed; the first, #{first.Index}: {first.Error.GetType().Name}: {first.Error.Message}",
                first.Error);
        }

        return (elapsed, LatencyStats.Of(latencies));
    }
}
