using System.Collections.Concurrent;
using System.Diagnostics;
using Overseer.Client;
using Overseer.Models;

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

    private static readonly TimeSpan SummaryPollInterval = TimeSpan.FromMilliseconds(50);

    private static readonly WorkerSpec Completing = WorkerSpec.For("sequence", ("limit", "1"));

    // Stays Running without doing anything: its first fetch waits an hour (and is cancelled by stop).
    private static readonly WorkerSpec Idle = WorkerSpec.For("sequence", ("delayMs", "3600000"));

    private OverseerClient Client => cluster.Client;

    public async Task<StartRateResult> RunAsync(CancellationToken cancellationToken)
    {
        var ids = Ids(CompletingPrefix);
        var firstStart = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var fresh = await StartAllAsync("fresh start (`limit=1`)", ids, Completing, cancellationToken);
        var repeat = await StartAllAsync("same start again (worker already Completed)", ids, Completing, cancellationToken);
        var repeatEnded = clock.Elapsed;

        var summaryCompleted = await WaitForSummaryAsync(clock, cancellationToken);
        var states = new WorkerStates(Client, options.Concurrency);
        var own = await states.ReadAsync(ids, cancellationToken);
        WorkerStates.RequireAll(own, WorkerStatus.Completed, "start rate, after both passes");
        var lastCompleted = own.Values.Max(w => w.UpdatedAt) - firstStart;
        var stale = WorkerStates.Disagreements(await RegistryRowsAsync(CompletingPrefix, cancellationToken), own);
        Progress.Say($"last worker Completed {lastCompleted.TotalSeconds:0.00} s after the first start; "
            + $"registry disagrees with the worker for {stale.Count}");

        var runs = await cluster.RunCountsAsync(ids);
        Expect(runs, r => r is 1 or 2, "after a fresh start and one identical re-start", "1 or 2 runs", ids);
        var reran = runs.Count(r => r == 2);

        var liveIds = Ids(LivePrefix);
        var live = await StartAllAsync("fresh start (worker stays Running)", liveIds, Idle, cancellationToken);
        var noop = await StartAllAsync("same start again (worker Running: no-op)", liveIds, Idle, cancellationToken);
        Expect(await cluster.RunCountsAsync(liveIds), r => r == 1, "a no-op start must not run a live worker again", "exactly 1 run", liveIds);
        await StopAllAsync(liveIds, cancellationToken);

        return new StartRateResult([fresh, repeat, live, noop], options.Workers, reran, repeatEnded, lastCompleted, summaryCompleted, stale);
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

    /// <summary>Polls the summary until it counts every worker Completed, and returns when it first did (on
    /// <paramref name="clock"/>); null when its count stops moving short of that (the workers are then asked).</summary>
    private async Task<TimeSpan?> WaitForSummaryAsync(Stopwatch clock, CancellationToken cancellationToken)
    {
        var key = WorkerStatus.Completed.ToString().ToLowerInvariant();

        // Generous: about 50 completions/s on the slowest machine seen, plus a minute for a cold start.
        var deadline = clock.Elapsed + TimeSpan.FromSeconds(60 + (options.Workers / 50.0));
        var last = -1;
        var unchanged = Stopwatch.StartNew();
        while (true)
        {
            var summary = await Client.GetSummaryAsync(cancellationToken);
            var completed = summary.ByStatus.GetValueOrDefault(key);
            if (completed == options.Workers)
            {
                return clock.Elapsed;
            }

            if (completed != last)
            {
                last = completed;
                unchanged.Restart();
            }
            else if (unchanged.Elapsed >= WorkerStates.RegistrySettleTime)
            {
                Progress.Say($"the summary has counted {completed} of {options.Workers} Completed for {WorkerStates.RegistrySettleTime.TotalSeconds:0} s "
                    + $"({Describe(summary)}); asking the workers themselves");
                return null;
            }

            if (clock.Elapsed > deadline)
            {
                throw new BenchFailedException(
                    $"start rate: expected the summary to count all {options.Workers} workers Completed by "
                    + $"{deadline.TotalSeconds:0} s after the first start, but it said {Describe(summary)}");
            }

            await Task.Delay(SummaryPollInterval, cancellationToken);
        }
    }

    private async Task<Dictionary<string, WorkerInfo>> RegistryRowsAsync(string prefix, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, WorkerInfo>(StringComparer.Ordinal);
        await foreach (var row in Client.ListAsync(cancellationToken: cancellationToken))
        {
            if (row.Id.StartsWith(prefix, StringComparison.Ordinal))
            {
                rows[row.Id] = row;
            }
        }

        return rows;
    }

    private static string Describe(ClusterSummary summary) =>
        string.Join(", ", summary.ByStatus.Where(p => p.Value > 0).Select(p => $"{p.Key} {p.Value}"));

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
