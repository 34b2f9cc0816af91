using System.Diagnostics;
using StackExchange.Redis;

namespace Overseer.Bench.Suite;

/// <summary>Reads every worker's committed checkpoint straight from its cursor in Redis (pipelined, never through a
/// grain, so watching does not activate what it watches). Key layout: <c>RedisKeys.Cursor</c> in Grains.</summary>
internal sealed class CursorPoller(IDatabase db, string serviceId, IReadOnlyList<string> ids)
{
    /// <summary>25 ms, or 1 ms per 1,000 workers beyond that: each poll is one HGET per worker, and at 100,000 workers
    /// polling every 25 ms would load Redis more than the restore it watches.</summary>
    private readonly TimeSpan _interval = TimeSpan.FromMilliseconds(Math.Max(25, ids.Count / 1_000));

    /// <summary>How long <paramref name="workers"/> workers may take to all commit past a reading: 2 min, or 2 ms a
    /// worker beyond that (a restore of 100,000 runs about 70 s here).</summary>
    public static TimeSpan TimeoutFor(int workers) => TimeSpan.FromSeconds(Math.Max(120, workers / 500));

    public async Task<long[]> ReadAsync()
    {
        var cps = await Task.WhenAll(ids.Select(id => db.HashGetAsync($"overseer:{serviceId}:w:{{{id}}}:cursor", "cp")));
        return [.. cps.Select(c => c.IsNull ? 0 : (long)c)];
    }

    /// <summary>Polls until every checkpoint is above its value in <paramref name="before"/>; returns the times on
    /// <paramref name="clock"/> when the first and the last worker were first seen past it.</summary>
    public async Task<(TimeSpan First, TimeSpan Last)> WaitAllPastAsync(
        long[] before, Stopwatch clock, TimeSpan timeout, string phase, CancellationToken cancellationToken)
    {
        TimeSpan? first = null;
        var deadline = clock.Elapsed + timeout;
        while (true)
        {
            var now = await ReadAsync();
            var past = now.Where((cp, i) => cp > before[i]).Count();
            var at = clock.Elapsed;
            if (past > 0 && first is null)
            {
                first = at;
            }

            if (past == ids.Count)
            {
                return (first!.Value, at);
            }

            if (at > deadline)
            {
                throw new BenchFailedException(
                    $"{phase}: expected all {ids.Count} workers to commit past their checkpoint within {timeout.TotalSeconds:0} s, but only {past} did");
            }

            await Task.Delay(_interval, cancellationToken);
        }
    }
}
