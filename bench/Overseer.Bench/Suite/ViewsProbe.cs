using System.Diagnostics;
using System.Text.Json;
using Overseer.Bench.CrashRestart;
using Overseer.Models;

namespace Overseer.Bench.Suite;

/// <summary>The child side of the <c>views</c> memory measurement: a fresh process with one silo on the parent's
/// Redis, whose partitions load the registry rows stored under the given ServiceId. Prints one <see cref="ProbeResult"/>:
/// the load time (silo start → every partition answering with all rows) and the growth of the managed heap and RSS
/// over the process as it was before the silo started, after a full compacting GC, divided by the rows (so it still
/// holds the silo's own fixed cost, which the parent takes out with a second probe over a registry of one row).</summary>
internal static class ViewsProbe
{
    public const string Kind = "views-rows";

    private static readonly TimeSpan LoadTimeout = TimeSpan.FromMinutes(4);

    public static async Task<int> RunAsync(string redis, string serviceId, int count, CancellationToken cancellationToken)
    {
        var before = Probe.Memory();
        var clock = Stopwatch.StartNew();
        await using var silo = await InProcessSilo.StartOnAsync(redis, serviceId, cancellationToken);
        var manager = silo.Grains.GetGrain<IManagerGrain>(0);
        var workers = -1;
        while (workers != count)
        {
            if (clock.Elapsed > LoadTimeout)
            {
                throw new BenchFailedException($"views probe: the partitions answered with {workers:N0} of {count:N0} rows after {LoadTimeout.TotalMinutes:0} min");
            }

            if (workers >= 0)
            {
                await Task.Delay(100, cancellationToken);
            }

            try
            {
                workers = (await manager.GetSummaryAsync(cancellationToken)).Workers;
            }
            catch (TimeoutException)
            {
                // A partition still loading its rows when the call's 30 s ran out: ask again until the deadline.
            }
        }

        var loaded = clock.Elapsed;
        var after = Probe.Memory();
        Console.WriteLine(JsonSerializer.Serialize(new ProbeResult
        {
            Milliseconds = loaded.TotalMilliseconds,
            Count = count,
            RssBytesPerActivation = (after.Rss - before.Rss) / (double)count,
            HeapBytesPerActivation = (after.Heap - before.Heap) / (double)count,
        }));
        return 0;
    }
}
