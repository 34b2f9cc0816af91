using System.Collections.Concurrent;
using System.Diagnostics;
using Overseer.Client;
using Overseer.Models;

namespace Overseer.Bench;

/// <summary>The added latency of one crash-restart (backoff + supervisor poke + reactivation from Redis): workers
/// that crash exactly once and workers that do the same work without crashing, started together.</summary>
/// <remarks>Completion is watched through the registry (<see cref="OverseerClient.ListAsync"/>), not by asking each
/// worker: a status call activates a worker that is deactivated in backoff, and an activation that finds its backoff
/// over starts the run itself, so per-worker polling would shorten the very restart being measured (and 20 ms polls
/// of hundreds of workers would load a small machine). The final counts are then checked with each worker.</remarks>
internal sealed class RestartLatencyBench(BenchCluster cluster, BenchOptions options)
{
    // Both sort before the other phases' ids ("live-", "start-"), so the registry's first rows are this phase's.
    private const string CrashPrefix = "crash-";
    private const string CleanPrefix = "clean-";
    private const long Events = 100;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    // Two batches of 50; the second fetch of the first run throws, the second run commits the rest and completes.
    private static readonly WorkerSpec CrashOnce =
        WorkerSpec.For("sequence", ("limit", "100"), ("batch", "50"), ("failAfter", "50"));

    private static readonly WorkerSpec NoCrash = WorkerSpec.For("sequence", ("limit", "100"), ("batch", "50"));

    private OverseerClient Client => cluster.Client;

    public async Task<RestartLatencyResult> RunAsync(CancellationToken cancellationToken)
    {
        var n = options.CrashWorkers;
        var crashIds = Enumerable.Range(0, n).Select(i => $"{CrashPrefix}{i}").ToArray();
        var cleanIds = Enumerable.Range(0, n).Select(i => $"{CleanPrefix}{i}").ToArray();

        // Interleaved, so both groups start under the same load.
        var starts = crashIds.Zip(cleanIds).SelectMany(p => new[] { (p.First, CrashOnce), (p.Second, NoCrash) }).ToArray();
        Progress.Say($"restart latency: {n} workers crashing once and {n} not, {options.Concurrency} starts in flight");

        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watching = WatchUntilSettledAsync(starts.Length, stopWatching.Token);
        ConcurrentDictionary<string, DateTimeOffset> returnedAt;
        try
        {
            returnedAt = await StartAllAsync(starts, cancellationToken);
        }
        catch
        {
            await stopWatching.CancelAsync();
            await watching.ContinueWith(_ => { }, TaskScheduler.Default);
            throw;
        }

        var settled = await watching;
        var failed = settled.Values.Where(o => o.Row.Status != WorkerStatus.Completed).ToList();
        if (failed.Count > 0)
        {
            throw new BenchFailedException(
                $"restart latency: expected every worker Completed, but {failed.Count} ended otherwise, e.g. "
                + string.Join("; ", failed.Take(5).Select(o => $"{o.Row.Id} {o.Row.Status} after {o.Row.Restarts} restart(s): {o.Row.LastError}")));
        }

        await VerifyAsync(crashIds, expectedRestarts: 1, cancellationToken);
        await VerifyAsync(cleanIds, expectedRestarts: 0, cancellationToken);

        return new RestartLatencyResult(
            Group("crash once (`limit=100,batch=50,failAfter=50`)", crashIds, 1, returnedAt, settled),
            Group("no crash (`limit=100,batch=50`)", cleanIds, 0, returnedAt, settled),
            PollInterval);
    }

    private async Task<ConcurrentDictionary<string, DateTimeOffset>> StartAllAsync(
        (string Id, WorkerSpec Spec)[] starts, CancellationToken cancellationToken)
    {
        var returnedAt = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            starts,
            new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
            async (start, token) =>
            {
                try
                {
                    await Client.StartAsync(start.Id, start.Spec, token);
                    returnedAt[start.Id] = DateTimeOffset.UtcNow;
                }
                catch (Exception ex) when (!token.IsCancellationRequested)
                {
                    throw new BenchFailedException(
                        $"restart latency: start of {start.Id} failed: {ex.GetType().Name}: {ex.Message}", ex);
                }
            });
        return returnedAt;
    }

    /// <summary>Polls the registry until every worker of the phase is Completed or Failed, and returns the first row
    /// that showed each so, with when it was seen.</summary>
    private async Task<Dictionary<string, Observation>> WatchUntilSettledAsync(int total, CancellationToken cancellationToken)
    {
        // A crash-restart takes well under a second; the rest is headroom for a loaded 2-core machine.
        var timeout = TimeSpan.FromSeconds(60 + (total / 20.0));
        var settled = new Dictionary<string, Observation>(StringComparer.Ordinal);
        var last = new Dictionary<string, WorkerInfo>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        while (settled.Count < total)
        {
            if (clock.Elapsed > timeout)
            {
                var pending = last.Values.Where(r => !settled.ContainsKey(r.Id)).Take(5).Select(r => $"{r.Id} {r.Status} ({r.Restarts} restarts)");
                throw new BenchFailedException(
                    $"restart latency: expected all {total} workers Completed within {timeout.TotalSeconds:0} s, "
                    + $"but {total - settled.Count} were not (registry listed {last.Count}), e.g. {string.Join(", ", pending)}");
            }

            await foreach (var row in Client.ListAsync(limit: total, cancellationToken: cancellationToken))
            {
                if (!row.Id.StartsWith(CrashPrefix, StringComparison.Ordinal) && !row.Id.StartsWith(CleanPrefix, StringComparison.Ordinal))
                {
                    continue; // Not all of this phase's workers are registered yet; the rest of the page is other phases'.
                }

                last[row.Id] = row;
                if (row.Status is WorkerStatus.Completed or WorkerStatus.Failed && !settled.ContainsKey(row.Id))
                {
                    settled[row.Id] = new Observation(DateTimeOffset.UtcNow, row);
                }
            }

            if (settled.Count < total)
            {
                await Task.Delay(PollInterval, cancellationToken);
            }
        }

        return settled;
    }

    /// <summary>Asks each worker itself (authoritative, unlike the registry's last report) for its final state.</summary>
    private async Task VerifyAsync(string[] ids, int expectedRestarts, CancellationToken cancellationToken)
    {
        var wrong = new ConcurrentQueue<string>();
        await Parallel.ForEachAsync(
            ids,
            new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
            async (id, token) =>
            {
                var info = await Client.GetStatusAsync(id, token);
                if (info.Status != WorkerStatus.Completed || info.Restarts != expectedRestarts || info.Checkpoint != Events)
                {
                    wrong.Enqueue($"{id} {info.Status}, {info.Restarts} restart(s), checkpoint {info.Checkpoint}");
                }
            });

        if (!wrong.IsEmpty)
        {
            throw new BenchFailedException(
                $"restart latency: expected each of {ids.Length} workers Completed with exactly {expectedRestarts} restart(s) "
                + $"and checkpoint {Events}, but {wrong.Count} differ: {string.Join("; ", wrong.Take(10))}");
        }
    }

    private static RestartGroup Group(
        string label,
        string[] ids,
        int restarts,
        ConcurrentDictionary<string, DateTimeOffset> returnedAt,
        Dictionary<string, Observation> settled) =>
        new(
            label,
            ids.Length,
            restarts,
            LatencyStats.Of(ids.Select(id => (settled[id].Row.UpdatedAt - returnedAt[id]).TotalMilliseconds)),
            LatencyStats.Of(ids.Select(id => (settled[id].SeenAt - returnedAt[id]).TotalMilliseconds)));

    private sealed record Observation(DateTimeOffset SeenAt, WorkerInfo Row);
}
