using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Overseer.Testing;

namespace Overseer.Bench.Suite;

/// <summary><c>./overseer bench [scenario…|all] [--quick]</c>: runs the chosen scenarios (<see cref="Default"/> when none
/// is named, every one with <see cref="All"/>) in a fixed order, prints the Markdown table to stdout, and writes JSON,
/// Markdown and SVG charts to <c>bench/results/</c> (<c>bench/results/quick/</c> with <c>--quick</c>, which is not kept
/// in git).</summary>
internal sealed class SuiteRunner(SuiteSettings settings, IReadOnlyList<string> scenarios, string command)
{
    /// <summary>Every scenario, in the order they run.</summary>
    public static readonly IReadOnlyList<string> Scenarios = ["starts", "restore", "idle", "events", "cluster", "crash-restart", "views", "handler", "durability", "rebuild", "reorg"];

    /// <summary>What runs when no scenario is named: the platform's own figures (starts, restores, idle cost, events,
    /// crash-restarts, views), in under 10 minutes. The features' benches (cluster, handler, durability, rebuild, reorg)
    /// run when named, or with <see cref="All"/>.</summary>
    public static readonly IReadOnlyList<string> Default = ["starts", "restore", "idle", "events", "crash-restart", "views"];

    /// <summary>The name that runs every scenario.</summary>
    public const string All = "all";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Returns 0 when every scenario ran, 1 when one failed (the others still ran and are reported).</summary>
    public async Task<int> RunAsync(MachineInfo machine, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var loadBefore = MachineInfo.LoadAverage();
        var (figures, charts, notes) = (new List<Figure>(), new List<Chart>(), new List<string>());
        var failed = false;
        var seconds = new Dictionary<string, double>();
        var chosen = scenarios.Count == 0 ? Default : scenarios.Contains(All) ? Scenarios : scenarios;
        foreach (var name in Scenarios.Where(chosen.Contains))
        {
            Progress.Say($"scenario {name}{(settings.Quick ? " (quick)" : settings.Large ? " (large)" : "")}");
            var scenarioStarted = clock.Elapsed;
            try
            {
                var output = await RunScenarioAsync(name, cancellationToken);
                figures.AddRange(output.Figures);
                charts.AddRange(output.Charts);
                notes.AddRange(output.Notes);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failed = true;
                var message = $"scenario {name} failed: {ex.GetType().Name}: {ex.Message}";
                notes.Add(message);
                await Console.Error.WriteLineAsync($"bench: {message}");
            }

            seconds[name] = (clock.Elapsed - scenarioStarted).TotalSeconds;
        }

        // Only the default run writes results.{md,json}: a run of named scenarios writes results-<scenario>-….{md,json}
        // (all: results-all), and its charts are named after them (results-<scenario>-…-<chart>.svg), so no run replaces
        // another kind's files or charts.
        var fileName = scenarios.Count == 0 ? "results" : scenarios.Contains(All) ? $"results-{All}" : $"results-{string.Join('-', Scenarios.Where(scenarios.Contains))}";
        charts = [.. charts.Select(c => c with { FileName = $"{fileName}-{c.FileName}" })];
        var report = new SuiteReport(started, clock.Elapsed, settings.Quick, command, machine, loadBefore, MachineInfo.LoadAverage(), figures, charts, notes, seconds);
        var markdown = MarkdownReport.Render(report);
        Console.Write(markdown);
        var directory = Path.Combine(RepoPaths.Root, "bench", "results", settings.ResultsFolder);
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, $"{fileName}.md"), markdown, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, $"{fileName}.json"), JsonSerializer.Serialize(report, Json), cancellationToken);
        foreach (var chart in charts)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, chart.FileName), SvgChart.Render(chart), cancellationToken);
        }

        Progress.Say($"results written to {directory} ({clock.Elapsed.TotalSeconds:0} s in all)");
        return failed ? 1 : 0;
    }

    private Task<ScenarioOutput> RunScenarioAsync(string name, CancellationToken cancellationToken) => name switch
    {
        "starts" => new StartsScenario(settings).RunAsync(cancellationToken),
        "restore" => new RestoreScenario(settings).RunAsync(cancellationToken),
        "idle" => new IdleScenario(settings).RunAsync(cancellationToken),
        "events" => new EventsScenario(settings).RunAsync(cancellationToken),
        "cluster" => new ClusterScenario(settings).RunAsync(cancellationToken),
        "crash-restart" => new CrashRestartScenario(settings).RunAsync(cancellationToken),
        "views" => new ViewsScenario(settings).RunAsync(cancellationToken),
        "handler" => new Handler.HandlerScenario(settings).RunAsync(cancellationToken),
        "durability" => new DurabilityScenario(settings).RunAsync(cancellationToken),
        "rebuild" => new Rebuild.RebuildScenario(settings).RunAsync(cancellationToken),
        "reorg" => new Reorg.ReorgScenario(settings).RunAsync(cancellationToken),
        _ => throw new UsageException($"unknown scenario '{name}': expected {string.Join(", ", Scenarios)}"),
    };
}
