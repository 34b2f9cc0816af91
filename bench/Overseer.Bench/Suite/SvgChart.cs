using System.Globalization;
using System.Security;
using System.Text;

namespace Overseer.Bench.Suite;

/// <summary>Renders a <see cref="Chart"/> as a small standalone SVG: two lines (ours, baseline) against the number of
/// workers on a log axis. Written by hand: a chart library would be a heavy dependency for two polylines.</summary>
internal static class SvgChart
{
    private const double Width = 640, Height = 380, Left = 80, Right = 20, Top = 40, Bottom = 70;

    public static string Render(Chart chart)
    {
        var points = chart.Points.Where(p => p.Workers > 0).OrderBy(p => p.Workers).ToList();
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">{Escape(chart.Title)}</text>\n");
        if (points.Count == 0)
        {
            return svg.Append("</svg>\n").ToString();
        }

        var (minX, maxX) = (Math.Log10(points[0].Workers), Math.Log10(points[^1].Workers));
        if (maxX - minX < 1e-9)
        {
            (minX, maxX) = (minX - 0.5, maxX + 0.5);
        }

        var maxY = points.Max(p => Math.Max(Finite(p.Ours), Finite(p.Baseline))) * 1.1;
        maxY = maxY <= 0 ? 1 : maxY;
        double X(int workers) => Left + ((Math.Log10(workers) - minX) / (maxX - minX) * (Width - Left - Right));
        double Y(double value) => Height - Bottom - (Finite(value) / maxY * (Height - Top - Bottom));

        // Axes, y grid with five ticks, an x tick per measured size.
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>\n");
        for (var i = 0; i <= 5; i++)
        {
            var v = maxY * i / 5;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Y(v):0.#}\" x2=\"{Width - Right}\" y2=\"{Y(v):0.#}\" stroke=\"#ddd\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{Y(v) + 4:0.#}\" text-anchor=\"end\">{Number(v)}</text>\n");
        }

        foreach (var p in points)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(p.Workers):0.#}\" y=\"{Height - Bottom + 18}\" text-anchor=\"middle\">{p.Workers:N0}</text>\n");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - Bottom + 38}\" text-anchor=\"middle\">workers (log scale)</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"16\" y=\"{(Top + Height - Bottom) / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {(Top + Height - Bottom) / 2})\">{Escape(chart.YAxis)}</text>\n");

        Line(svg, points.Select(p => (X(p.Workers), Y(p.Ours))), "#1f77b4");
        Line(svg, points.Select(p => (X(p.Workers), Y(p.Baseline))), "#ff7f0e");
        var legendY = Height - 12;
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{legendY - 9}\" width=\"12\" height=\"10\" fill=\"#1f77b4\"/><text x=\"{Left + 18}\" y=\"{legendY}\">Overseer</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left + 110}\" y=\"{legendY - 9}\" width=\"12\" height=\"10\" fill=\"#ff7f0e\"/><text x=\"{Left + 128}\" y=\"{legendY}\">{Escape(chart.Baseline)}</text>\n");
        return svg.Append("</svg>\n").ToString();
    }

    private static void Line(StringBuilder svg, IEnumerable<(double X, double Y)> points, string color)
    {
        var list = points.ToList();
        svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{string.Join(' ', list.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.X:0.#},{p.Y:0.#}")))}\"/>\n");
        foreach (var (x, y) in list)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{x:0.#}\" cy=\"{y:0.#}\" r=\"3.5\" fill=\"{color}\"/>\n");
        }
    }

    private static double Finite(double v) => double.IsFinite(v) ? v : 0;

    private static string Number(double v) =>
        v >= 1_000_000 ? string.Create(CultureInfo.InvariantCulture, $"{v / 1_000_000:0.#}M")
        : v >= 10_000 ? string.Create(CultureInfo.InvariantCulture, $"{v / 1000:0}k")
        : v.ToString(v >= 100 ? "0" : "0.#", CultureInfo.InvariantCulture);

    private static string Escape(string s) => SecurityElement.Escape(s) ?? "";
}
