using System.Collections.Concurrent;
using System.Diagnostics;
using Overseer.Client;
using Overseer.Models;
using Overseer.Testing;

namespace Overseer.Bench;

/// <summary>Start throughput and latency with bounded calls in flight, against two baselines: the identical start
/// re-issued, and an identical start to a worker that is still running (the true no-op path).</summary>
/// <remarks>A re-issued start is only a no-op while the worker is live (Pending, Running, Backoff): a <c>limit=1</c>
/// worker is Completed within milliseconds, and a start of a Completed worker runs it again. The run counts in Redis
/// say which of the two each re-start was, and the live pair measures the no-op path on its own.</remarks>
internal sealed class StartRateBench(BenchCluster cluster, BenchOptions options)
{
    private const string CompletingPrefix = "start-";
    private const string LivePrefix = "live-";

    private static readonly WorkerSpec Completing = WorkerSpec.For("sequence", ("limit", "1"));

    // Stays Running without doing anything: its first fetch waits an hour (and is cancelled by stop).
    private static readonly WorkerSpec Idle = WorkerSpec.For("sequence", ("delayMs", "3600000"));

    private OverseerClient Client => cluster.Client;

    public async Task<StartRateResult> RunAsync(CancellationToken cancellationToken)
    {
        var ids = Ids(CompletingPrefix);
        var first = Stopwatch.StartNew();
        var fresh = await StartAllAsync("fresh start (`limit=1`)", ids, Completing, cancellationToken);
        var repeat = await StartAllAsync("same start again (worker already Completed)", ids, Completing, cancellationToken);
        var sinceRepeat = Stopwatch.StartNew();
        await WaitAllCompletedAsync(cancellationToken);
        var afterFirst = first.Elapsed;
        var afterRepeat = sinceRepeat.Elapsed;
        Progress.Say($"all {options.Workers} workers Completed {afterFirst.TotalSeconds:0.00} s after the first start");

        var runs = await cluster.RunCountsAsync(ids);
        Expect(runs, r => r is 1 or 2, "after a fresh start and one identical re-start", "1 or 2 runs", ids);
        var reran = runs.Count(r => r == 2);

        var liveIds = Ids(LivePrefix);
        var live = await StartAllAsync("fresh start (worker stays Running)", liveIds, Idle, cancellationToken);
        var noop = await StartAllAsync("same start again (worker Running: no-op)", liveIds, Idle, cancellationToken);
        Expect(await cluster.RunCountsAsync(liveIds), r => r == 1, "a no-op start must not run a live worker again", "exactly 1 run", liveIds);
        await StopAllAsync(liveIds, cancellationToken);

        return new StartRateResult([fresh, repeat, live, noop], options.Workers, reran, afterFirst, afterRepeat);
    }

    private string[] Ids(string prefix) => [.. Enumerable.Range(0, options.Workers).Select(i => $"{prefix}{i}")];

    private async Task<StartPass> StartAllAsync(string label, string[] ids, WorkerSpec spec, CancellationToken cancellationToken)
    {
        Progress.Say($"{label}: {ids.Length} workers, {options.Concurrency} in flight");
        var latencies = new double[ids.Length];
        var failures = new ConcurrentQueue<(string Id, Exception Error)>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, ids.Length),
            new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await Client.StartAsync(ids[i], spec, token);
                    latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
                catch (Exception ex) when (!token.IsCancellationRequested)
                {
                    failures.Enqueue((ids[i], ex));
                }
            });
        var elapsed = clock.Elapsed;
        ThrowIfAny(failures, $"{label}: start");

        var pass = new StartPass(label, ids.Length, elapsed, LatencyStats.Of(latencies));
        Progress.Say($"{label}: {pass.CallsPerSecond:0} starts/s, p50 {pass.Latency.P50:0.0} ms, p99 {pass.Latency.P99:0.0} ms");
        return pass;
    }

    private async Task StopAllAsync(string[] ids, CancellationToken cancellationToken)
    {
        Progress.Say($"stopping the {ids.Length} running workers so they do not load the next phase");
        var failures = new ConcurrentQueue<(string Id, Exception Error)>();
        await Parallel.ForEachAsync(
            ids,
            new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
            async (id, token) =>
            {
                try
                {
                    await Client.StopAsync(id, token);
                }
                catch (Exception ex) when (!token.IsCancellationRequested)
                {
                    failures.Enqueue((id, ex));
                }
            });
        ThrowIfAny(failures, "stop of the running workers");
    }

    private async Task WaitAllCompletedAsync(CancellationToken cancellationToken)
    {
        var completed = WorkerStatus.Completed.ToString().ToLowerInvariant();

        // Generous: about 50 completions/s on the slowest machine seen, plus a minute for a cold start.
        var timeout = TimeSpan.FromSeconds(60 + (options.Workers / 50.0));
        try
        {
            await Eventually.UntilAsync(
                () => Client.GetSummaryAsync(cancellationToken),
                s => s.ByStatus.GetValueOrDefault(completed) == options.Workers,
                timeout,
                s => $"start rate: all {options.Workers} workers Completed; the summary said "
                    + string.Join(", ", s.ByStatus.Where(p => p.Value > 0).Select(p => $"{p.Key} {p.Value}")),
                cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new BenchFailedException(ex.Message, ex);
        }
    }

    private static void Expect(long[] runs, Func<long, bool> ok, string phase, string expected, string[] ids)
    {
        var wrong = ids.Zip(runs).Where(p => !ok(p.Second)).ToList();
        if (wrong.Count > 0)
        {
            throw new BenchFailedException(
                $"start rate, {phase}: expected {expected} per worker, but {wrong.Count} of {ids.Length} differ, e.g. "
                + string.Join(", ", wrong.Take(5).Select(p => $"{p.First} had {p.Second}")));
        }
    }

    private static void ThrowIfAny(ConcurrentQueue<(string Id, Exception Error)> failures, string phase)
    {
        if (failures.TryPeek(out var first))
        {
            throw new BenchFailedException(
                $"{phase}: {failures.Count} call(s) failed; the first, for {first.Id}: {first.Error.GetType().Name}: {first.Error.Message}",
                first.Error);
        }
    }
}
