namespace Overseer.Bench.Suite;

/// <summary>One point of a chart: a figure of ours and of its baseline at one number of workers.</summary>
internal sealed record ChartPoint(int Workers, double Ours, double Baseline);
