using System.Diagnostics;
using System.Text.Json;
using Overseer.Bench.Baseline;
using Overseer.Bench.CrashRestart;
using Overseer.Models;

namespace Overseer.Bench.Suite;

/// <summary>The child side of the suite's fresh-process measurements: one silo in this process on the parent's Redis,
/// one measurement, one JSON line on stdout. Memory and cold starts need a process of their own each, or the first
/// measurement's heap and warm caches would flatter the next.</summary>
internal static class Probe
{
    private const int InFlight = 500;

    // Stays Running without doing anything: its first fetch waits an hour.
    private static readonly WorkerSpec Idle = WorkerSpec.For("sequence", ("delayMs", "3600000"));

    public static async Task<int> RunAsync(string kind, string redis, string serviceId, int count, bool quick, CancellationToken cancellationToken)
    {
        await using var silo = await InProcessSilo.StartOnAsync(redis, serviceId, cancellationToken);
        var result = kind switch
        {
            ProbeKind.IdleOurs => await IdleAsync(count, quick, (i, t) => silo.Grains.GetGrain<IManagerGrain>(0).StartAsync($"idle-{i}", Idle, t), cancellationToken),
            ProbeKind.IdleBare => await IdleAsync(count, quick, (i, t) => silo.Grains.GetGrain<IBareTimerGrain>($"timer-{i}").PingAsync(t), cancellationToken),
            ProbeKind.BareWrite => await TimedAsync(count, (i, t) => silo.Grains.GetGrain<IBareStateGrain>($"cold-{i}").TouchAsync(t), cancellationToken),
            ProbeKind.BareCold => await TimedAsync(count, (i, t) => silo.Grains.GetGrain<IBareStateGrain>($"cold-{i}").ReadAsync(t), cancellationToken),
            _ => throw new UsageException($"unknown probe '{kind}': expected {string.Join(", ", ProbeKind.All)}"),
        };
        Console.WriteLine(JsonSerializer.Serialize(result));
        await HoldAsync(cancellationToken);
        return 0;
    }

    /// <summary>With <c>OVERSEER_PROBE_HOLD=seconds</c> the child stays up that long after its result (the silo and its
    /// workers still there), so that a profiler can be pointed at it: <c>dotnet-gcdump collect -p PID</c>.</summary>
    private static async Task HoldAsync(CancellationToken cancellationToken)
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("OVERSEER_PROBE_HOLD"), out var seconds) && seconds > 0)
        {
            await Console.Error.WriteLineAsync($"probe {Environment.ProcessId}: holding for {seconds} s");
            await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        }
    }

    private static async Task<ProbeResult> TimedAsync(int count, Func<int, CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        var (elapsed, _) = await Bounded.RunAsync("probe", count, InFlight, call, cancellationToken);
        return new ProbeResult { Milliseconds = elapsed.TotalMilliseconds, Count = count };
    }

    private static async Task<ProbeResult> IdleAsync(int count, bool quick, Func<int, CancellationToken, Task> activate, CancellationToken cancellationToken)
    {
        // The silo's own start-up work (partitions, first registry flushes) settles before the "before" reading, and the
        // starts' (registry flushes, first heartbeats, tiered JIT) before the "after" reading and the CPU window: with 2 s
        // instead of 4, the window still caught it (0.25-0.46 cores at 20,000 instead of 0.07-0.10).
        var settle = quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(4);
        await Task.Delay(settle, cancellationToken);
        var before = Memory();
        var (elapsed, _) = await Bounded.RunAsync("probe activations", count, InFlight, activate, cancellationToken);
        await Task.Delay(settle, cancellationToken);
        var after = Memory();

        var window = quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(4);
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Task.Delay(window, cancellationToken);
        process.Refresh();
        var cores = (process.TotalProcessorTime - cpu0).TotalSeconds / clock.Elapsed.TotalSeconds;
        return new ProbeResult
        {
            Milliseconds = elapsed.TotalMilliseconds,
            Count = count,
            RssBytesPerActivation = (after.Rss - before.Rss) / (double)count,
            HeapBytesPerActivation = (after.Heap - before.Heap) / (double)count,
            IdleCores = cores,
        };
    }

    /// <summary>Resident and managed memory after two forced compacting collections (every probe's reading).</summary>
    internal static (long Rss, long Heap) Memory()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var heap = GC.GetTotalMemory(forceFullCollection: false);
        var rss = File.ReadLines("/proc/self/status")
            .Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024)
            .FirstOrDefault();
        return (rss, heap);
    }
}
