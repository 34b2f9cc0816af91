namespace Overseer.Bench.Suite;

/// <summary>What one scenario contributes to the report.</summary>
internal sealed record ScenarioOutput(IReadOnlyList<Figure> Figures, IReadOnlyList<Chart> Charts, IReadOnlyList<string> Notes);
