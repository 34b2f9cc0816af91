namespace Overseer.Bench.Suite;

/// <summary>One headline figure of a scenario: ours and its baseline, one value each per repetition, measured
/// interleaved in the same run; the ratio is taken per repetition (ours ÷ baseline) and then summarised.</summary>
internal sealed record Figure
{
    public required string Scenario { get; init; }

    public required string Name { get; init; }

    public required string Unit { get; init; }

    public required string Baseline { get; init; }

    /// <summary>Whether more is better (throughput) or less (latency, memory); says how the target reads.</summary>
    public required bool HigherIsBetter { get; init; }

    public required IReadOnlyList<double> Ours { get; init; }

    public required IReadOnlyList<double> BaselineValues { get; init; }

    /// <summary>The target in words, e.g. "≥ 0.6"; empty when the figure has none.</summary>
    public string Target { get; init; } = "";

    /// <summary>Whether the target is met on the medians; null when the figure has none.</summary>
    public bool? Met { get; init; }

    /// <summary>A figure nothing bare answers: ours only (lower is better), the baseline column saying why there is none.</summary>
    public static Figure Stated(string scenario, string name, string unit, IReadOnlyList<double> values, string baseline = "—") => new()
    {
        Scenario = scenario,
        Name = name,
        Unit = unit,
        Baseline = baseline,
        HigherIsBetter = false,
        Ours = values,
        BaselineValues = [.. values.Select(_ => double.NaN)],
    };

    public Summary OursSummary => Summary.Of(Ours);

    public Summary BaselineSummary => Summary.Of(BaselineValues);

    public Summary RatioSummary => Summary.Of(Ours.Zip(BaselineValues, (o, b) => b == 0 ? double.NaN : o / b).ToList());
}
