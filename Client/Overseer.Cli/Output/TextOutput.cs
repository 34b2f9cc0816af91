using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Overseer.Cli.Watch;
using Overseer.Models;

namespace Overseer.Cli.Output;

/// <summary>Compact text for people: one line per worker, an aligned table for lists (column widths taken
/// from the first page, so long lists still stream), one line per event.</summary>
internal sealed class TextOutput(Stream stream) : IOutput
{
    private const int WidthSample = 1000;
    private const int MaxErrorWidth = 80;

    private static readonly string[] Header = ["ID", "STATUS", "CHECKPOINT", "RESTARTS", "SOURCE", "HANDLER", "FAILOVERS", "SILO", "UPDATED", "LAST ERROR"];

    private readonly StreamWriter _writer = new(stream, new UTF8Encoding(false), bufferSize: 64 * 1024, leaveOpen: true);

    public async Task WorkerAsync(WorkerInfo worker, CancellationToken cancellationToken)
    {
        var line = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{worker.Id} {EnumNames.Of(worker.Status)}")
            .Append(CultureInfo.InvariantCulture, $" checkpoint={worker.Checkpoint} restarts={worker.Restarts}")
            .Append(CultureInfo.InvariantCulture, $" source={worker.Source} restart={EnumNames.Of(worker.Restart)}")
            .Append(CultureInfo.InvariantCulture, $" handler={worker.Handler ?? "-"} failovers={worker.Failovers}")
            .Append(worker.EventHandler is { } eventHandler ? $" event-handler={eventHandler}" : "")
            .Append(CultureInfo.InvariantCulture, $" silo={worker.Silo ?? "-"} updated={Time(worker.UpdatedAt)}");
        if (worker.Poison is { } poison && poison != PoisonPolicy.Default)
        {
            line.Append(" on-poison=").Append(poison.Describe().Replace(' ', '-'));
        }

        if (worker.DeadLetters > 0)
        {
            line.Append(CultureInfo.InvariantCulture, $" dead-letters={worker.DeadLetters}");
        }

        if (worker.Reorgs > 0)
        {
            line.Append(CultureInfo.InvariantCulture, $" reorgs={worker.Reorgs}");
        }

        if (worker.Halt is { } halt)
        {
            line.Append(CultureInfo.InvariantCulture, $" halted-at={halt.Seq} halt-reason={EnumNames.Of(halt.Reason)} attempts={halt.Attempts} error-type={halt.ErrorType}");
            if (halt is { CommittedVersion: { } committed, HandlerVersion: { } current })
            {
                line.Append(CultureInfo.InvariantCulture, $" committed-version={committed} silo-version={current}");
            }
        }

        if (worker.NextRestartAt is { } next)
        {
            line.Append(CultureInfo.InvariantCulture, $" next-restart={Time(next)}");
        }

        if (worker.LastError is { } error)
        {
            line.Append(" last-error: ").Append(OneLine(error));
        }

        if (worker.LastReorg is { } reorg)
        {
            line.Append(" last-reorg: ").Append(OneLine(reorg));
        }

        await _writer.WriteLineAsync(line, cancellationToken);
    }

    public async Task WorkersAsync(IAsyncEnumerable<WorkerInfo> workers, CancellationToken cancellationToken)
    {
        var sample = new List<string[]>(WidthSample);
        int[]? widths = null;
        await foreach (var worker in workers.WithCancellation(cancellationToken))
        {
            var row = Row(worker);
            if (widths is not null)
            {
                await WriteRowAsync(row, widths, cancellationToken);
                continue;
            }

            sample.Add(row);
            if (sample.Count == WidthSample)
            {
                widths = await WriteSampleAsync(sample, cancellationToken);
            }
        }

        if (widths is null)
        {
            if (sample.Count == 0)
            {
                await _writer.WriteLineAsync("no workers".AsMemory(), cancellationToken);
                return;
            }

            await WriteSampleAsync(sample, cancellationToken);
        }
    }

    public async Task SummaryAsync(ClusterSummary summary, CancellationToken cancellationToken)
    {
        var line = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"workers={summary.Workers}");
        foreach (var (status, count) in summary.ByStatus)
        {
            line.Append(CultureInfo.InvariantCulture, $" {EnumNames.Policy.ConvertName(status)}={count}");
        }

        line.Append(CultureInfo.InvariantCulture, $" partitions={summary.Partitions} silos={summary.Silos}");
        line.Append(summary.PoolSize == 0
            ? " pool=unlimited"
            : string.Create(CultureInfo.InvariantCulture, $" pool={summary.PoolSize} in-use={summary.PoolInUse} pending={summary.PoolPending} avg-wait={summary.PoolAverageWaitMs:0}ms"));
        await _writer.WriteLineAsync(line, cancellationToken);
    }

    public async Task SilosAsync(ImmutableArray<SiloInfo> silos, CancellationToken cancellationToken)
    {
        if (silos.IsEmpty)
        {
            await _writer.WriteLineAsync("no silos".AsMemory(), cancellationToken);
            return;
        }

        string[] header = ["ADDRESS", "NAME", "STATUS", "WORKERS", "PARTITIONS"];
        await WriteTableAsync(header, [.. silos.Select(s => new[]
        {
            s.Address,
            s.Name ?? "-",
            EnumNames.Of(s.Status),
            s.Workers.ToString(CultureInfo.InvariantCulture),
            s.Partitions.ToString(CultureInfo.InvariantCulture),
        })], cancellationToken);
    }

    public async Task WatchAsync(WatchSnapshot snapshot, CancellationToken cancellationToken)
    {
        var line = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"at={Time(snapshot.At)} workers={snapshot.Workers}");
        foreach (var (status, count) in snapshot.ByStatus)
        {
            line.Append(CultureInfo.InvariantCulture, $" {EnumNames.Policy.ConvertName(status)}={count}");
        }

        var rate = snapshot.EventsPerSecond is { } r ? r.ToString("0.0", CultureInfo.InvariantCulture) : "-";
        line.Append(CultureInfo.InvariantCulture, $" events/s={rate} checkpoints={snapshot.Checkpoints} failovers={snapshot.Failovers}")
            .Append(CultureInfo.InvariantCulture, $" silos={snapshot.Silos} partitions={snapshot.Partitions}");
        await _writer.WriteLineAsync(line, cancellationToken);
        if (snapshot.Slowest.IsEmpty)
        {
            await _writer.WriteLineAsync("no running workers".AsMemory(), cancellationToken);
            return;
        }

        string[] header = ["SLOWEST", "LAG", "CHECKPOINT", "HEAD", "HANDLER", "SILO"];
        await WriteTableAsync(header, [.. snapshot.Slowest.Select(w => new[]
        {
            w.Id,
            w.Lag?.ToString(CultureInfo.InvariantCulture) ?? "-",
            w.Checkpoint.ToString(CultureInfo.InvariantCulture),
            w.Head?.ToString(CultureInfo.InvariantCulture) ?? "-",
            w.Handler ?? "-",
            w.Silo ?? "-",
        })], cancellationToken);
    }

    public async Task EventsAsync(IAsyncEnumerable<WorkerEvent> events, CancellationToken cancellationToken)
    {
        var any = false;
        await foreach (var e in events.WithCancellation(cancellationToken))
        {
            any = true;
            await _writer.WriteLineAsync($"{e.Seq.ToString(CultureInfo.InvariantCulture)} {OneLine(e.Payload)}".AsMemory(), cancellationToken);
        }

        if (!any)
        {
            await _writer.WriteLineAsync("no events".AsMemory(), cancellationToken);
        }
    }

    public Task DeletedAsync(DeleteResult result, CancellationToken cancellationToken) =>
        _writer.WriteLineAsync(
            (string.Create(CultureInfo.InvariantCulture, $"deleted {result.Id} at checkpoint {result.Checkpoint}: ")
             + (result.EventsKept ? "its events are kept" : string.Create(CultureInfo.InvariantCulture, $"{result.EventsRemoved} events removed"))).AsMemory(),
            cancellationToken);

    public async Task BulkDeletedAsync(Client.BulkDeleteResult result, CancellationToken cancellationToken)
    {
        await _writer.WriteLineAsync(
            string.Create(CultureInfo.InvariantCulture, $"deleted {result.Deleted} of {result.Total} workers, {result.EventsRemoved} events removed").AsMemory(),
            cancellationToken);
        foreach (var refused in result.Refused)
        {
            await _writer.WriteLineAsync(("not deleted: " + OneLine(refused)).AsMemory(), cancellationToken);
        }
    }

    public Task RewoundAsync(RewindResult result, CancellationToken cancellationToken) =>
        _writer.WriteLineAsync(
            string.Create(CultureInfo.InvariantCulture,
                $"rewound {result.Worker.Id} from checkpoint {result.FromCheckpoint} to {result.Worker.Checkpoint}: {result.EventsRemoved} events removed; now {EnumNames.Of(result.Worker.Status)}").AsMemory(),
            cancellationToken);

    public async Task DeadLettersAsync(IAsyncEnumerable<DeadLetter> letters, CancellationToken cancellationToken)
    {
        var rows = new List<string[]>();
        await foreach (var l in letters.WithCancellation(cancellationToken))
        {
            rows.Add(
            [
                l.WorkerId, l.Seq.ToString(CultureInfo.InvariantCulture), $"{l.Handler} v{l.HandlerVersion}", l.Attempts.ToString(CultureInfo.InvariantCulture),
                Time(l.At), Truncate(OneLine($"{l.ErrorType}: {l.Error}"), MaxErrorWidth), Truncate(OneLine(l.Payload), MaxErrorWidth),
            ]);
        }

        if (rows.Count == 0)
        {
            await _writer.WriteLineAsync("no dead letters".AsMemory(), cancellationToken);
            return;
        }

        await WriteTableAsync(["WORKER", "SEQ", "HANDLER", "ATTEMPTS", "AT", "ERROR", "PAYLOAD"], rows, cancellationToken);
    }

    public Task DeadLetterAsync(DeadLetter letter, string done, CancellationToken cancellationToken) =>
        _writer.WriteLineAsync(
            string.Create(CultureInfo.InvariantCulture, $"{done} dead letter {letter.WorkerId} seq {letter.Seq} (handler {letter.Handler} v{letter.HandlerVersion}, {letter.Attempts} failed attempts before)").AsMemory(),
            cancellationToken);

    public Task AcceptedAsync(AcceptResult result, CancellationToken cancellationToken) =>
        _writer.WriteLineAsync(
            string.Create(CultureInfo.InvariantCulture,
                $"accepted {result.Worker.Id}: handler version {result.FromVersion?.ToString(CultureInfo.InvariantCulture) ?? "none"} -> {result.ToVersion}, continuing from checkpoint {result.Worker.Checkpoint}; now {EnumNames.Of(result.Worker.Status)}").AsMemory(),
            cancellationToken);

    public async Task AuditAsync(ImmutableArray<AuditEntry> entries, CancellationToken cancellationToken)
    {
        if (entries.IsEmpty)
        {
            await _writer.WriteLineAsync("no audit entries".AsMemory(), cancellationToken);
            return;
        }

        string[] header = ["AT", "ACTOR", "ACTION", "WORKER", "DETAIL", "OUTCOME"];
        await WriteTableAsync(header, [.. entries.Select(e => new[] { Time(e.At), e.Actor, e.Action, e.WorkerId, e.Detail.Length == 0 ? "-" : e.Detail, OneLine(e.Outcome) })], cancellationToken);
    }

    public Task TextAsync(string text, CancellationToken cancellationToken) =>
        _writer.WriteAsync(text.AsMemory(), cancellationToken);

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _writer.FlushAsync(cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    private async Task<int[]> WriteSampleAsync(List<string[]> sample, CancellationToken cancellationToken)
    {
        var widths = Header.Select((h, i) => Math.Max(h.Length, sample.Max(r => r[i].Length))).ToArray();
        await WriteRowAsync(Header, widths, cancellationToken);
        foreach (var row in sample)
        {
            await WriteRowAsync(row, widths, cancellationToken);
        }

        sample.Clear();
        return widths;
    }

    private async Task WriteTableAsync(string[] header, List<string[]> rows, CancellationToken cancellationToken)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        await WriteRowAsync(header, widths, cancellationToken);
        foreach (var row in rows)
        {
            await WriteRowAsync(row, widths, cancellationToken);
        }
    }

    private async Task WriteRowAsync(string[] row, int[] widths, CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        for (var i = 0; i < row.Length; i++)
        {
            var last = i == row.Length - 1;
            line.Append(last ? row[i] : row[i].PadRight(widths[i] + 2));
        }

        await _writer.WriteLineAsync(line.ToString().TrimEnd().AsMemory(), cancellationToken);
    }

    private static string[] Row(WorkerInfo w) =>
    [
        w.Id,
        EnumNames.Of(w.Status),
        w.Checkpoint.ToString(CultureInfo.InvariantCulture),
        w.Restarts.ToString(CultureInfo.InvariantCulture),
        w.Source,
        w.Handler ?? "-",
        w.Failovers.ToString(CultureInfo.InvariantCulture),
        w.Silo ?? "-",
        Time(w.UpdatedAt),
        w.LastError is { } e ? Truncate(OneLine(e), MaxErrorWidth) : "",
    ];

    private static string Time(DateTimeOffset t) =>
        t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    private static string Truncate(string text, int width) => text.Length <= width ? text : string.Concat(text.AsSpan(0, width - 1), "…");
}
