namespace Overseer.Bench.Suite;

/// <summary>Everything one suite run measured, as written to <c>bench/results/</c>.</summary>
internal sealed record SuiteReport(
    DateTimeOffset StartedAt,
    TimeSpan Elapsed,
    bool Quick,
    string Command,
    MachineInfo Machine,
    string? LoadAverageBefore,
    string? LoadAverageAfter,
    IReadOnlyList<Figure> Figures,
    IReadOnlyList<Chart> Charts,
    IReadOnlyList<string> Notes,
    IReadOnlyDictionary<string, double> ScenarioSeconds);
