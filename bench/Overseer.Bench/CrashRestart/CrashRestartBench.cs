using System.Diagnostics;
using Overseer.Bench.Baseline;
using Overseer.Models;

namespace Overseer.Bench.CrashRestart;

/// <summary>Crash → first commit of the next run, with backoff 0, next to a bare grain's deactivate/reactivate,
/// interleaved over repetitions in one process (see bench/README.md, "Crash → next commit").</summary>
internal sealed class CrashRestartBench(BenchOptions options)
{
    public static readonly TimeSpan RequestedBackoff = TimeSpan.Zero;

    /// <summary>If the options validator refuses a zero backoff, the smallest one it takes that is still negligible.</summary>
    public static readonly TimeSpan FallbackBackoff = TimeSpan.FromMilliseconds(1);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Each run commits one batch of 10 events; its next fetch throws. <c>limit</c> is never reached.</summary>
    private static readonly WorkerSpec CrashEveryRun =
        WorkerSpec.For("sequence", ("limit", "1000000000000"), ("batch", "10"), ("failAfter", "10"))
            with { MaxRestarts = 1_000_000, RestartWindow = TimeSpan.FromSeconds(1) };

    public async Task<CrashRestartResult> RunAsync(CancellationToken cancellationToken)
    {
        using var listener = new CrashCommitListener();
        await using var silo = await InProcessSilo.StartAsync(RequestedBackoff, FallbackBackoff, cancellationToken);
        var workers = options.CrashRestartWorkers;
        var crashes = options.CrashesPerWorker;

        // Warm-up rounds as large as the measured ones: smaller ones left methods that only a longer round calls often
        // enough to be recompiled compiling in the measured rounds (0.2–1.2 s of JIT in each).
        Progress.Say($"crash-restart: warm-up, rounds of {workers} workers × {crashes} crashes and as many bare-grain cycles until the JIT is quiet, not reported");
        await JitWarmUp.UntilQuietAsync("crash-restart", async w =>
        {
            await BaselineAsync(silo, $"bare-warm{w}-", workers, crashes, cancellationToken);
            await OursAsync(silo, listener, $"cr-warm{w}-", workers, crashes, cancellationToken);
        }, cancellationToken);

        var rounds = new List<CrashRestartRound>();
        for (var r = 1; r <= options.CrashRestartRounds; r++)
        {
            // Alternating order, so neither figure always runs on the warmer (or more fragmented) process.
            var baselineFirst = r % 2 == 1;
            (LatencyStats Touch, LatencyStats Read) baseline;
            OursResult ours;
            var jit = JitWarmUp.CompileTime;
            if (baselineFirst)
            {
                baseline = await BaselineAsync(silo, $"bare-{r}-", workers, crashes, cancellationToken);
                ours = await OursAsync(silo, listener, $"cr-{r}-", workers, crashes, cancellationToken);
            }
            else
            {
                ours = await OursAsync(silo, listener, $"cr-{r}-", workers, crashes, cancellationToken);
                baseline = await BaselineAsync(silo, $"bare-{r}-", workers, crashes, cancellationToken);
            }

            var round = new CrashRestartRound(r, baselineFirst, ours.FromExit, ours.FromThrow, baseline.Touch, baseline.Read,
                workers, ours.Failed, ours.Unpaired, ours.Elapsed);
            rounds.Add(round);
            Progress.Say($"crash-restart round {r}/{options.CrashRestartRounds}: crash→commit p50 {round.FromExit.P50:0.00} ms p99 {round.FromExit.P99:0.00} ms "
                + $"({round.FromExit.Count} samples); bare reactivate+read+write p50 {round.Touch.P50:0.00} ms p99 {round.Touch.P99:0.00} ms; JIT {(JitWarmUp.CompileTime - jit).TotalMilliseconds:0} ms");
        }

        return new CrashRestartResult(silo.Backoff, RequestedBackoff, workers, crashes, rounds);
    }

    /// <summary><paramref name="workers"/> workers crash-looping at once; the first <paramref name="crashes"/> pairings of each.</summary>
    private static async Task<OursResult> OursAsync(
        InProcessSilo silo, CrashCommitListener listener, string prefix, int workers, int crashes, CancellationToken cancellationToken)
    {
        var manager = silo.Grains.GetGrain<IManagerGrain>(0);
        var ids = Enumerable.Range(0, workers).Select(i => $"{prefix}{i:D4}").ToArray();
        var collector = listener.Begin(prefix);
        var clock = Stopwatch.StartNew();
        IReadOnlyDictionary<string, WorkerTrack> tracks;
        try
        {
            await Task.WhenAll(ids.Select(id => manager.StartAsync(id, CrashEveryRun, cancellationToken)));
            await WaitForSamplesAsync(collector, ids, crashes, cancellationToken);
            tracks = collector.Snapshot();
        }
        finally
        {
            // Spans of the stops (and of anything still in flight) belong to no phase.
            listener.End();
            await StopAllAsync(manager, ids);
        }

        var elapsed = clock.Elapsed;
        var failed = ids.Where(id => tracks.TryGetValue(id, out var t) && t.Failed).ToList();
        var kept = ids.Where(id => !failed.Contains(id)).SelectMany(id => tracks[id].Samples.Take(crashes)).ToList();
        if (kept.Count == 0)
        {
            throw new BenchFailedException(
                $"crash-restart ({prefix}*): expected {crashes} crash → commit samples from each of {workers} workers, but every worker ended Failed");
        }

        if (failed.Count > 0)
        {
            Progress.Say($"crash-restart ({prefix}*): {failed.Count} worker(s) ended Failed and are excluded: {string.Join(", ", failed.Take(10))}");
        }

        var fromThrow = kept.Where(s => s.FromThrow is not null).Select(s => s.FromThrow!.Value).ToList();
        return new OursResult(
            LatencyStats.Of(kept.Select(s => s.FromExit)),
            fromThrow.Count == 0 ? null : LatencyStats.Of(fromThrow),
            failed,
            ids.Where(tracks.ContainsKey).Sum(id => tracks[id].Unpaired),
            elapsed);
    }

    private static async Task WaitForSamplesAsync(CrashCommitCollector collector, string[] ids, int crashes, CancellationToken cancellationToken)
    {
        // On today's main a crash-restart takes ~130 ms (backoff + partition tick + reactivation); the rest is headroom
        // for a loaded 2-core machine.
        var timeout = TimeSpan.FromSeconds(60 + crashes);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var progress = collector.Progress();
            var missing = ids.Where(id => !progress.TryGetValue(id, out var p) || (!p.Failed && p.Samples < crashes)).ToList();
            if (missing.Count == 0)
            {
                return;
            }

            if (clock.Elapsed > timeout)
            {
                var examples = missing.Take(5).Select(id => $"{id} {(progress.TryGetValue(id, out var p) ? p.Samples : 0)}");
                throw new BenchFailedException(
                    $"crash-restart ({collector.WorkerPrefix}*): expected {crashes} crash → commit samples from each of {ids.Length} workers "
                    + $"within {timeout.TotalSeconds:0} s, but {missing.Count} had fewer, e.g. {string.Join(", ", examples)}");
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private static async Task StopAllAsync(IManagerGrain manager, string[] ids)
    {
        try
        {
            await Task.WhenAll(ids.Select(id => manager.StopAsync(id)));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A worker left running only loads the next phase, which the table would show; say so, do not hide it.
            Progress.Say($"crash-restart: stopping {ids.Length} workers failed: {ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary><paramref name="grains"/> bare grains at once, each <paramref name="cycles"/> × (deactivate, time one
    /// Touch) and as many × (deactivate, time one Read), alternating.</summary>
    private static async Task<(LatencyStats Touch, LatencyStats Read)> BaselineAsync(
        InProcessSilo silo, string prefix, int grains, int cycles, CancellationToken cancellationToken)
    {
        var touch = new double[grains * cycles];
        var read = new double[grains * cycles];
        var reused = 0;
        await Task.WhenAll(Enumerable.Range(0, grains).Select(async g =>
        {
            var grain = silo.Grains.GetGrain<IBareStateGrain>($"{prefix}{g:D4}");
            var activation = await grain.TouchAsync(cancellationToken); // Creates the state: every timed call reads it back.
            for (var c = 0; c < cycles; c++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                foreach (var write in new[] { true, false })
                {
                    await grain.DeactivateAsync(cancellationToken);
                    var t0 = Stopwatch.GetTimestamp();
                    var next = write ? await grain.TouchAsync(cancellationToken) : await grain.ReadAsync(cancellationToken);
                    (write ? touch : read)[(g * cycles) + c] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                    if (next == activation)
                    {
                        Interlocked.Increment(ref reused);
                    }

                    activation = next;
                }
            }
        }));

        if (reused > 0)
        {
            throw new BenchFailedException(
                $"baseline ({prefix}*): expected every timed call to run on a fresh activation, but {reused} of {2 * grains * cycles} ran on the one just deactivated");
        }

        return (LatencyStats.Of(touch), LatencyStats.Of(read));
    }

    private sealed record OursResult(LatencyStats FromExit, LatencyStats? FromThrow, IReadOnlyList<string> Failed, int Unpaired, TimeSpan Elapsed);
}
