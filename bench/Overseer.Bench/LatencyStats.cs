namespace Overseer.Bench;

/// <summary>Nearest-rank percentiles of a set of durations, in milliseconds.</summary>
internal sealed record LatencyStats(int Count, double P50, double P90, double P99, double Max)
{
    public static LatencyStats Of(IEnumerable<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        if (sorted.Length == 0)
        {
            throw new ArgumentException("no samples: a percentile needs at least one", nameof(milliseconds));
        }

        return new LatencyStats(sorted.Length, Rank(sorted, 0.50), Rank(sorted, 0.90), Rank(sorted, 0.99), sorted[^1]);
    }

    private static double Rank(double[] sorted, double percentile) =>
        sorted[Math.Clamp((int)Math.Ceiling(percentile * sorted.Length) - 1, 0, sorted.Length - 1)];
}
