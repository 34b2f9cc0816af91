namespace Overseer.Bench.Suite;

/// <summary>A line chart of ours and the baseline against the number of workers (log scale), for an SVG file.</summary>
internal sealed record Chart(string FileName, string Title, string YAxis, string Baseline, IReadOnlyList<ChartPoint> Points);
