using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Overseer.Cli.Watch;

/// <summary>The live screen of <c>watch</c>: a status line, the counts and the slowest workers.</summary>
internal static class WatchView
{
    public static IRenderable Render(WatchSnapshot? snapshot, string? error, TimeSpan interval)
    {
        var parts = new List<IRenderable>
        {
            new Markup(Markup.Escape(snapshot is null
                ? "overseer watch: connecting…"
                : $"overseer watch  {snapshot.At.ToLocalTime():HH:mm:ss}  every {interval.TotalSeconds:0.#} s  (Ctrl-C to exit)")),
        };
        if (error is not null)
        {
            parts.Add(new Markup($"[red]{Markup.Escape(error)}[/]"));
        }

        if (snapshot is not null)
        {
            parts.Add(Counts(snapshot));
            parts.Add(Slowest(snapshot));
        }

        return new Rows(parts);
    }

    private static Table Counts(WatchSnapshot s)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("workers");
        foreach (var status in s.ByStatus.Keys)
        {
            table.AddColumn(new TableColumn(EnumNames.Policy.ConvertName(status)).RightAligned());
        }

        table.AddColumn(new TableColumn("events/s").RightAligned())
            .AddColumn(new TableColumn("failovers").RightAligned())
            .AddColumn(new TableColumn("silos").RightAligned())
            .AddColumn(new TableColumn("partitions").RightAligned());
        var row = new List<string> { Number(s.Workers) };
        row.AddRange(s.ByStatus.Values.Select(v => Number(v)));
        row.Add(s.EventsPerSecond is { } rate ? rate.ToString("0.0", CultureInfo.InvariantCulture) : "-");
        row.Add(Number(s.Failovers));
        row.Add(Number(s.Silos));
        row.Add(Number(s.Partitions));
        return table.AddRow(row.Select(Markup.Escape).ToArray());
    }

    private static IRenderable Slowest(WatchSnapshot s)
    {
        if (s.Slowest.IsEmpty)
        {
            return new Markup("[grey]no running workers[/]");
        }

        var table = new Table().Border(TableBorder.Rounded).Title("slowest running workers")
            .AddColumn("id")
            .AddColumn(new TableColumn("lag").RightAligned())
            .AddColumn(new TableColumn("checkpoint").RightAligned())
            .AddColumn(new TableColumn("head").RightAligned())
            .AddColumn("handler")
            .AddColumn("silo");
        foreach (var w in s.Slowest)
        {
            table.AddRow(
                Markup.Escape(w.Id),
                w.Lag is { } lag ? Number(lag) : "-",
                Number(w.Checkpoint),
                w.Head is { } head ? Number(head) : "-",
                Markup.Escape(w.Handler ?? "-"),
                Markup.Escape(w.Silo ?? "-"));
        }

        return table;
    }

    private static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);
}
