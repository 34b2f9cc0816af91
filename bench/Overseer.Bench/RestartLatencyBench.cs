using System.Collections.Concurrent;
using System.Diagnostics;
using Overseer.Client;
using Overseer.Models;

namespace Overseer.Bench;

/// <summary>The added latency of one crash-restart (backoff + the exit's state write + the next run): workers
/// that crash exactly once and workers that do the same work without crashing, started together.</summary>
/// <remarks>Completion is watched through the registry (<see cref="OverseerClient.ListAsync"/>), not by asking each
/// worker, so the measurement never calls the workers it measures (and 20 ms polls of hundreds of workers would load a
/// small machine). Latency is taken from each worker's own Completed timestamp,
/// and the final state is checked with each worker, so a registry row that lags (or is stale) cannot skew either.</remarks>
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
        var starts = crashIds.Zip(cleanIds).SelectMany(p => new[] { (Id: p.First, Spec: CrashOnce), (Id: p.Second, Spec: NoCrash) }).ToArray();
        Progress.Say($"restart latency: {n} workers crashing once and {n} not, {options.Concurrency} starts in flight");

        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watching = WatchRegistryAsync(starts.Length, stopWatching.Token);
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

        var (settled, registry) = await watching;
        var own = await new WorkerStates(Client, options.Concurrency).ReadAsync(starts.Select(s => s.Id), cancellationToken);
        Verify(crashIds, own, expectedRestarts: 1);
        Verify(cleanIds, own, expectedRestarts: 0);
        var stale = WorkerStates.Disagreements(registry, own);
        Progress.Say($"restart latency: all {starts.Length} Completed with the expected restarts; "
            + $"registry disagrees with the worker for {stale.Count}");

        return new RestartLatencyResult(
            Group("crash once (`limit=100,batch=50,failAfter=50`)", crashIds, 1, returnedAt, own, settled),
            Group("no crash (`limit=100,batch=50`)", cleanIds, 0, returnedAt, own, settled),
            PollInterval,
            stale);
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

    /// <summary>Polls the registry until it shows every worker of the phase Completed or Failed, or until that count
    /// stops moving; returns when it first showed each one so, and its last row for every worker.</summary>
    private async Task<(Dictionary<string, DateTimeOffset> Settled, Dictionary<string, WorkerInfo> Rows)> WatchRegistryAsync(
        int total, CancellationToken cancellationToken)
    {
        // A crash-restart takes well under a second; the rest is headroom for a loaded 2-core machine.
        var timeout = TimeSpan.FromSeconds(60 + (total / 20.0));
        var settled = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var rows = new Dictionary<string, WorkerInfo>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        var unchanged = Stopwatch.StartNew();
        while (settled.Count < total)
        {
            var before = settled.Count;
            await foreach (var row in Client.ListAsync(limit: total, cancellationToken: cancellationToken))
            {
                if (!row.Id.StartsWith(CrashPrefix, StringComparison.Ordinal) && !row.Id.StartsWith(CleanPrefix, StringComparison.Ordinal))
                {
                    continue; // Not all of this phase's workers are registered yet; the rest of the page is other phases'.
                }

                rows[row.Id] = row;
                if (row.Status is WorkerStatus.Completed or WorkerStatus.Failed)
                {
                    settled.TryAdd(row.Id, DateTimeOffset.UtcNow);
                }
            }

            if (settled.Count != before)
            {
                unchanged.Restart();
            }
            else if (rows.Count == total && unchanged.Elapsed >= WorkerStates.RegistrySettleTime)
            {
                Progress.Say($"restart latency: the registry has shown {settled.Count} of {total} finished for "
                    + $"{WorkerStates.RegistrySettleTime.TotalSeconds:0} s; asking the workers themselves");
                break;
            }

            if (clock.Elapsed > timeout)
            {
                var pending = rows.Values.Where(r => !settled.ContainsKey(r.Id)).Take(5).Select(r => $"{r.Id} {r.Status} ({r.Restarts} restarts)");
                throw new BenchFailedException(
                    $"restart latency: expected the registry to show all {total} workers finished within {timeout.TotalSeconds:0} s, "
                    + $"but {total - settled.Count} were not (it listed {rows.Count}), e.g. {string.Join(", ", pending)}");
            }

            if (settled.Count < total)
            {
                await Task.Delay(PollInterval, cancellationToken);
            }
        }

        return (settled, rows);
    }

    /// <summary>Checks each worker's own final state: Completed, all events committed, exactly the expected restarts.</summary>
    private static void Verify(string[] ids, Dictionary<string, WorkerInfo> own, int expectedRestarts)
    {
        var wrong = ids.Select(id => own[id])
            .Where(w => w.Status != WorkerStatus.Completed || w.Restarts != expectedRestarts || w.Checkpoint != Events)
            .Select(w => $"{w.Id} {w.Status}, {w.Restarts} restart(s), checkpoint {w.Checkpoint}")
            .ToList();
        if (wrong.Count > 0)
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
        Dictionary<string, WorkerInfo> own,
        Dictionary<string, DateTimeOffset> settled)
    {
        var seen = ids.Where(settled.ContainsKey).Select(id => (settled[id] - returnedAt[id]).TotalMilliseconds).ToList();
        return new RestartGroup(
            label,
            ids.Length,
            restarts,
            LatencyStats.Of(ids.Select(id => (own[id].UpdatedAt - returnedAt[id]).TotalMilliseconds)),
            seen.Count == 0 ? null : LatencyStats.Of(seen));
    }
}
