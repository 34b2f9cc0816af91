namespace Overseer.Bench.Suite;

/// <summary>Median and range of a figure's repetitions.</summary>
internal sealed record Summary(int Count, double Median, double Min, double Max)
{
    public static Summary Of(IReadOnlyList<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Summary(0, double.NaN, double.NaN, double.NaN);
        }

        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        return new Summary(sorted.Length, median, sorted[0], sorted[^1]);
    }
}
