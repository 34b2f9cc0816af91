using System.Diagnostics;
using System.Runtime;

namespace Overseer.Bench;

/// <summary>Warms an in-process measurement up until the JIT is quiet: rounds of what will be measured (each round both
/// sides, ours and the bare baseline) until one spends under <see cref="QuietShare"/> of its wall time compiling, or
/// <see cref="MaxRounds"/> have run.</summary>
/// <remarks>A fixed warm-up measured the JIT instead of the product: .NET compiles every method first unoptimised and
/// recompiles the ones called often in the background (tiered compilation, with a profiling tier between), and Overseer's
/// start path is far more code than a bare grain's. With 200 warm-up starts, the tiering thread still took a fifth of the
/// process's CPU in the third to fifth repetitions (perf, 2026-12-07), and the starts rate rose 2,173 → 4,161/s over the
/// five while the bare rate settled after the first: each rate depended on how far its side's recompilation had come
/// (the ratio, it turned out, did not: 0.28× either way). What a cold process costs is measured where it matters, by
/// the restore scenario (a fresh silo process).</remarks>
internal static class JitWarmUp
{
    /// <summary>The share of a round's wall time spent in the JIT below which it counts as quiet.</summary>
    public const double QuietShare = 0.05;

    /// <summary>Rounds at most, whatever the JIT does.</summary>
    public const int MaxRounds = 30;

    /// <summary>Runs <paramref name="round"/> (given its number, from 1) until a round is quiet; returns the rounds run.</summary>
    public static async Task<int> UntilQuietAsync(string what, Func<int, Task> round, CancellationToken cancellationToken)
    {
        for (var r = 1; ; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (jitBefore, methodsBefore) = (JitInfo.GetCompilationTime(), JitInfo.GetCompiledMethodCount());
            var clock = Stopwatch.StartNew();
            await round(r);
            var wall = clock.Elapsed;
            var jit = JitInfo.GetCompilationTime() - jitBefore;
            var methods = JitInfo.GetCompiledMethodCount() - methodsBefore;
            var share = jit / wall;
            if (share < QuietShare || r == MaxRounds)
            {
                Progress.Say($"{what}: warm-up {(share < QuietShare ? "done" : "stopped")} after {r} round(s): the last spent {jit.TotalMilliseconds:0} ms of {wall.TotalMilliseconds:0} ms "
                    + $"compiling ({share:P1}, {methods} methods); not reported");
                return r;
            }
        }
    }

    /// <summary>The JIT's compile time so far, on every thread: the difference over a repetition shows that it ran on a
    /// quiet JIT.</summary>
    public static TimeSpan CompileTime => JitInfo.GetCompilationTime();
}
