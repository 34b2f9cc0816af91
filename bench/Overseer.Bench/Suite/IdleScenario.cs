using Overseer.Testing;

namespace Overseer.Bench.Suite;

/// <summary><c>idle</c>: resident and managed memory per idle running worker (and the silo's idle CPU) against a bare
/// grain with a 1 s timer, each measured in a fresh child process with one silo on a shared private redis-server: at
/// the headline size over <see cref="SuiteSettings.ProcessRepetitions"/> interleaved repetitions, then once at each of
/// <see cref="SuiteSettings.IdleExtraSizes"/>.</summary>
internal sealed class IdleScenario(SuiteSettings settings)
{
    /// <summary>The idle-CPU target is stated for a silo with this many idle workers.</summary>
    private const int CpuTargetSize = 100_000;

    public async Task<ScenarioOutput> RunAsync(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartNewAsync(cancellationToken: cancellationToken);
        var figures = new List<Figure>();
        var notes = new List<string>();
        figures.AddRange(await MeasureAsync(redis, settings.IdleWorkers, settings.ProcessRepetitions, cancellationToken));
        foreach (var size in settings.IdleExtraSizes)
        {
            // A failed extra size is a note: the headline figures above stand.
            try
            {
                figures.AddRange(await MeasureAsync(redis, size, 1, cancellationToken));
            }
            catch (BenchFailedException ex)
            {
                notes.Add($"idle at {size:N0} workers failed: {ex.Message}");
                Progress.Say(notes[^1]);
            }
        }

        return new ScenarioOutput(figures, [], notes);
    }

    private async Task<IReadOnlyList<Figure>> MeasureAsync(RedisServer redis, int n, int repetitions, CancellationToken cancellationToken)
    {
        var ours = new List<ProbeResult>();
        var bare = new List<ProbeResult>();
        for (var r = 1; r <= repetitions; r++)
        {
            async Task<ProbeResult> Run(string kind) =>
                await ProbeProcess.RunAsync(kind, redis.ConnectionString, $"idle-{n}-{r}-{kind}-{Guid.NewGuid():N}", n, settings.Quick, cancellationToken, killOnResult: true);

            if (r % 2 == 1)
            {
                bare.Add(await Run(ProbeKind.IdleBare));
                ours.Add(await Run(ProbeKind.IdleOurs));
            }
            else
            {
                ours.Add(await Run(ProbeKind.IdleOurs));
                bare.Add(await Run(ProbeKind.IdleBare));
            }

            Progress.Say($"idle {n:N0} {r}/{repetitions}: ours RSS {ours[^1].RssBytesPerActivation / 1024:0.0} KB heap {ours[^1].HeapBytesPerActivation / 1024:0.0} KB "
                + $"cpu {ours[^1].IdleCores:0.00}; bare RSS {bare[^1].RssBytesPerActivation / 1024:0.0} KB heap {bare[^1].HeapBytesPerActivation / 1024:0.0} KB cpu {bare[^1].IdleCores:0.00}");
        }

        static List<double> Kb(IEnumerable<ProbeResult> xs, Func<ProbeResult, double> f) => [.. xs.Select(x => f(x) / 1024)];
        var rss = new Figure
        {
            Scenario = "idle",
            Name = $"RSS per idle running worker ({n:N0})",
            Unit = "KB",
            Baseline = "bare grain with a 1 s timer",
            HigherIsBetter = false,
            Ours = Kb(ours, p => p.RssBytesPerActivation),
            BaselineValues = Kb(bare, p => p.RssBytesPerActivation),
            Target = "≤ 2×",
        };
        rss = rss with { Met = rss.RatioSummary.Median <= 2 };
        var heap = new Figure
        {
            Scenario = "idle",
            Name = $"managed heap per idle running worker ({n:N0})",
            Unit = "KB",
            Baseline = "bare grain with a 1 s timer",
            HigherIsBetter = false,
            Ours = Kb(ours, p => p.HeapBytesPerActivation),
            BaselineValues = Kb(bare, p => p.HeapBytesPerActivation),
            Target = "≤ 4 KB",
        };
        heap = heap with { Met = heap.OursSummary.Median <= 4 };
        var cpu = new Figure
        {
            Scenario = "idle",
            Name = $"idle CPU of the silo with {n:N0} idle workers",
            Unit = "cores",
            Baseline = "bare grains with a 1 s timer",
            HigherIsBetter = false,
            Ours = [.. ours.Select(p => p.IdleCores)],
            BaselineValues = [.. bare.Select(p => p.IdleCores)],
            Target = n == CpuTargetSize ? "≤ 0.1 core" : "",
        };
        cpu = n == CpuTargetSize ? cpu with { Met = cpu.OursSummary.Median <= 0.1 } : cpu;
        return [rss, heap, cpu];
    }
}
