using System.Collections.Immutable;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Overseer.Cli.Watch;
using Overseer.Models;

namespace Overseer.Cli.Output;

/// <summary>JSON with camelCase properties and lower-case enum strings. A single result is indented; a list
/// is an array with one compact element per line, written as the elements arrive.</summary>
internal sealed class JsonOutput(Stream stream) : IOutput
{
    private const int FlushEvery = 1000;

    private static readonly JsonSerializerOptions Compact = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(EnumNames.Policy, allowIntegerValues: false) },
        DictionaryKeyPolicy = EnumNames.Policy,
        // Output goes to terminals and pipes, not into HTML: keep payloads readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions Indented = new(Compact) { WriteIndented = true };

    public Task WorkerAsync(WorkerInfo worker, CancellationToken cancellationToken) =>
        WriteValueAsync(worker, cancellationToken);

    public Task WorkersAsync(IAsyncEnumerable<WorkerInfo> workers, CancellationToken cancellationToken) =>
        WriteArrayAsync(workers, cancellationToken);

    public Task SummaryAsync(ClusterSummary summary, CancellationToken cancellationToken) =>
        WriteValueAsync(summary, cancellationToken);

    public Task SilosAsync(ImmutableArray<SiloInfo> silos, CancellationToken cancellationToken) =>
        WriteValueAsync(silos, cancellationToken);

    public Task WatchAsync(WatchSnapshot snapshot, CancellationToken cancellationToken) =>
        WriteValueAsync(snapshot, cancellationToken);

    public Task EventsAsync(IAsyncEnumerable<WorkerEvent> events, CancellationToken cancellationToken) =>
        WriteArrayAsync(events, cancellationToken);

    public Task DeletedAsync(DeleteResult result, CancellationToken cancellationToken) =>
        WriteValueAsync(result, cancellationToken);

    public Task BulkDeletedAsync(Client.BulkDeleteResult result, CancellationToken cancellationToken) =>
        WriteValueAsync(result, cancellationToken);

    public Task RewoundAsync(RewindResult result, CancellationToken cancellationToken) =>
        WriteValueAsync(result, cancellationToken);

    public Task DeadLettersAsync(IAsyncEnumerable<DeadLetter> letters, CancellationToken cancellationToken) =>
        WriteArrayAsync(letters, cancellationToken);

    public Task DeadLetterAsync(DeadLetter letter, string done, CancellationToken cancellationToken) =>
        WriteValueAsync(letter, cancellationToken);

    public Task AcceptedAsync(AcceptResult result, CancellationToken cancellationToken) =>
        WriteValueAsync(result, cancellationToken);

    public Task AuditAsync(ImmutableArray<AuditEntry> entries, CancellationToken cancellationToken) =>
        WriteValueAsync(entries, cancellationToken);

    public async Task TextAsync(string text, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(stream, leaveOpen: true);
        await writer.WriteAsync(text.AsMemory(), cancellationToken);
    }

    public Task FlushAsync(CancellationToken cancellationToken) => stream.FlushAsync(cancellationToken);

    private async Task WriteValueAsync<T>(T value, CancellationToken cancellationToken)
    {
        await JsonSerializer.SerializeAsync(stream, value, Indented, cancellationToken);
        stream.Write("\n"u8);
    }

    private async Task WriteArrayAsync<T>(IAsyncEnumerable<T> items, CancellationToken cancellationToken)
    {
        stream.Write("["u8);
        var count = 0;
        await foreach (var item in items.WithCancellation(cancellationToken))
        {
            stream.Write(count == 0 ? "\n"u8 : ",\n"u8);
            JsonSerializer.Serialize(stream, item, Compact);
            if (++count % FlushEvery == 0)
            {
                await stream.FlushAsync(cancellationToken);
            }
        }

        stream.Write(count == 0 ? "]\n"u8 : "\n]\n"u8);
    }
}
