using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Overseer.Models;

namespace Overseer.Hosting.Dashboard;

/// <summary>Renders the worker view as one self-contained HTML page (no script, no external asset). Every value
/// that comes from a worker or the request is HTML-encoded.</summary>
internal static class WorkerViewPage
{
    private const string Style = """
        body{font:14px system-ui,sans-serif;margin:1.5rem;color:#222}h1{font-size:1.3rem;margin:0 0 .8rem}
        .cards{display:flex;flex-wrap:wrap;gap:.6rem;margin-bottom:1rem}.card{border:1px solid #ccd;border-radius:6px;padding:.4rem .8rem;min-width:6rem}
        .card b{display:block;font-size:1.2rem}form{margin:.6rem 0}table{border-collapse:collapse;width:100%}
        th,td{border-bottom:1px solid #e4e4ea;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f3f3f7}
        td.num{text-align:right;font-variant-numeric:tabular-nums}td.err{color:#a00;max-width:40rem;overflow-wrap:anywhere}
        .status-failed{color:#a00}.status-halted{color:#a00;font-weight:bold}.status-backoff{color:#b60}.status-running{color:#070}.muted{color:#777}
        """;

    public static string Render(WorkerViewQuery query, WorkerView view)
    {
        var html = new StringBuilder(16_384);
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Overseer workers</title>");
        if (query.Refresh > 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<meta http-equiv=\"refresh\" content=\"{query.Refresh}\">");
        }

        html.Append("<style>").Append(Style).Append("</style></head><body>");
        html.Append("<h1>Overseer workers</h1>");

        html.Append("<div class=\"cards\" id=\"summary\">");
        Card(html, "workers", "workers", N(view.Workers));
        foreach (var (status, count) in view.ByStatus)
        {
            Card(html, "status-" + status, status, N(count));
        }

        Card(html, "events-per-second", "events/s", view.EventsPerSecond is { } r ? r.ToString("N1", CultureInfo.InvariantCulture) : "–");
        Card(html, "lag", $"lag ({N(view.LagKnown)} with head)", N(view.Lag));
        Card(html, "failovers", "failovers", N(view.Failovers));
        Card(html, "checkpoints", "checkpoints", N(view.Checkpoints));
        html.Append("</div>");

        html.Append("<form method=\"get\" action=\"/workers\" id=\"filter\"><label>id contains <input name=\"q\" value=\"")
            .Append(E(query.Search)).Append("\"></label> <label>status <select name=\"status\"><option value=\"\">all</option>");
        foreach (var status in Enum.GetNames<WorkerStatus>().Select(n => n.ToLowerInvariant()))
        {
            var selected = query.Status?.ToString().Equals(status, StringComparison.OrdinalIgnoreCase) == true ? " selected" : "";
            html.Append(CultureInfo.InvariantCulture, $"<option{selected}>{E(status)}</option>");
        }

        html.Append(CultureInfo.InvariantCulture, $"</select></label> <label>rows <input name=\"limit\" size=\"4\" value=\"{query.Limit}\"></label>");
        if (query.Refresh > 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"refresh\" value=\"{query.Refresh}\">");
        }

        html.Append(" <button type=\"submit\">show</button> ");
        html.Append(query.Refresh > 0
            ? $"<a href=\"{E(query.Url(query.After, refresh: 0))}\">stop auto-refresh</a>"
            : $"<a href=\"{E(query.Url(query.After, refresh: 5))}\">auto-refresh every 5 s</a>");
        html.Append("</form>");

        html.Append("<p class=\"muted\" id=\"page-info\">");
        html.Append(CultureInfo.InvariantCulture, $"{view.Rows.Count} rows");
        if (query.Search is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $" whose id contains “{E(query.Search)}”, from {N(view.Scanned)} registry rows read");
        }

        if (query.After is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $", after “{E(query.After)}” · <a href=\"{E(query.Url(null))}\">first page</a>");
        }

        html.Append("</p>");

        html.Append("<table id=\"workers\"><thead><tr><th>id</th><th>status</th><th>checkpoint</th><th>lag</th><th>handler</th>" +
            "<th>restarts</th><th>last error</th><th>silo</th><th>dead letters</th></tr></thead><tbody>");
        foreach (var row in view.Rows)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr data-id=\"{E(row.Id)}\"><td>{E(row.Id)}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td class=\"status-{E(row.Status)}\">{E(row.Status)}{(row.HaltedAt is { } at ? $" at seq {N(at)}" : "")}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td class=\"num\">{N(row.Checkpoint)}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td class=\"num\">{(row.Lag is { } lag ? N(lag) : "")}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{E(row.Handler)}</td><td class=\"num\">{N(row.Restarts)}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td class=\"err\">{E(row.LastError)}</td><td>{E(row.Silo)}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td class=\"num\">{(row.DeadLetters > 0 ? N(row.DeadLetters) : "")}</td></tr>");
        }

        html.Append("</tbody></table>");
        if (view.NextAfter is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p><a id=\"next\" href=\"{E(query.Url(view.NextAfter))}\">next page →</a></p>");
        }

        html.Append("<p class=\"muted\"><a href=\"/dashboard/\">Orleans dashboard</a> · <a href=\"/workers/api\">JSON</a></p>");
        html.Append("</body></html>");
        return html.ToString();
    }

    private static void Card(StringBuilder html, string id, string label, string value) =>
        html.Append(CultureInfo.InvariantCulture, $"<div class=\"card\" id=\"{E(id)}\"><b>{E(value)}</b>{E(label)}</div>");

    private static string E(string? value) => HtmlEncoder.Default.Encode(value ?? "");

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
