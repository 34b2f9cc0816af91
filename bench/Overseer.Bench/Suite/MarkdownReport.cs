using System.Globalization;
using System.Text;

namespace Overseer.Bench.Suite;

/// <summary>The suite's results as Markdown: the machine, then one row per figure (ours, baseline, ratio; medians
/// with min–max over the interleaved repetitions) and the target verdict.</summary>
internal static class MarkdownReport
{
    public static string Render(SuiteReport report)
    {
        var m = report.Machine;
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"## Overseer bench — {report.StartedAt:yyyy-MM-dd HH:mm} UTC{(report.Quick ? " (--quick: tiny sizes, a smoke run; do not quote)" : "")}");
        md.AppendLine();
        var perScenario = report.ScenarioSeconds.Count > 1
            ? " (" + string.Join(", ", report.ScenarioSeconds.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key} {s.Value:0} s"))) + ")"
            : "";
        md.AppendLine(CultureInfo.InvariantCulture, $"`{report.Command}` — {report.Elapsed.TotalSeconds:0} s{perScenario}.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {m.Cores} cores, {m.Cpu}, {m.MemoryGiB:0.0} GiB, {m.Os}, {m.Runtime}, {m.Redis}, Orleans {OrleansVersion()}; "
            + $"load average before {report.LoadAverageBefore ?? "n/a"}, after {report.LoadAverageAfter ?? "n/a"}.");
        md.AppendLine();
        md.AppendLine("| scenario | figure | Overseer, median (min–max) | baseline | baseline, median (min–max) | ratio, median (min–max) | target | met |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var f in report.Figures)
        {
            var (o, b, r) = (f.OursSummary, f.BaselineSummary, f.RatioSummary);
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {f.Scenario} | {f.Name} | {Range(o, f.Unit)} | {f.Baseline} | {Range(b, f.Unit)} | {Ratio(r)} | {f.Target} | {Verdict(f.Met)} |");
        }

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Ratios are Overseer ÷ baseline per repetition ({report.Figures.FirstOrDefault()?.Ours.Count ?? 0} interleaved repetitions, baseline first in odd ones).");
        foreach (var chart in report.Charts)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"![{chart.Title}]({chart.FileName})");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"| workers | Overseer ({chart.YAxis}) | {chart.Baseline} ({chart.YAxis}) |");
            md.AppendLine("|---|---|---|");
            foreach (var p in chart.Points)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {p.Workers:N0} | {Value(p.Ours)} | {Value(p.Baseline)} |");
            }
        }

        foreach (var note in report.Notes)
        {
            md.AppendLine();
            md.AppendLine(note);
        }

        return md.ToString();
    }

    public static string OrleansVersion() =>
        typeof(Orleans.Grain).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            is [System.Reflection.AssemblyInformationalVersionAttribute v, ..] ? v.InformationalVersion.Split('+', ' ')[0].TrimEnd('.') : "unknown";

    private static string Range(Summary s, string unit) => double.IsNaN(s.Median) ? "—" : $"{Value(s.Median)} {unit} ({Value(s.Min)}–{Value(s.Max)})";

    private static string Value(double v) =>
        double.IsNaN(v) ? "n/a" : Math.Abs(v) >= 100 ? v.ToString("N0", CultureInfo.InvariantCulture) : v.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Ratio(Summary r) => double.IsNaN(r.Median) ? "—" : $"{r.Median:0.00}× ({r.Min:0.00}–{r.Max:0.00})";

    private static string Verdict(bool? met) => met switch { true => "**yes**", false => "no", null => "—" };
}
