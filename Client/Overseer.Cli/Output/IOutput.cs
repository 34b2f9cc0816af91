using System.Collections.Immutable;
using Overseer.Cli.Watch;
using Overseer.Models;

namespace Overseer.Cli.Output;

/// <summary>Writes command results to stdout, as text for people or as JSON for scripts.</summary>
internal interface IOutput
{
    Task WorkerAsync(WorkerInfo worker, CancellationToken cancellationToken);

    /// <summary>Writes workers as they arrive, so a list of any length streams in constant memory.</summary>
    Task WorkersAsync(IAsyncEnumerable<WorkerInfo> workers, CancellationToken cancellationToken);

    Task SummaryAsync(ClusterSummary summary, CancellationToken cancellationToken);

    Task SilosAsync(ImmutableArray<SiloInfo> silos, CancellationToken cancellationToken);

    /// <summary>One snapshot of <c>watch</c> (the live screen is drawn by the command itself).</summary>
    Task WatchAsync(WatchSnapshot snapshot, CancellationToken cancellationToken);

    /// <summary>Writes events as they arrive.</summary>
    Task EventsAsync(IAsyncEnumerable<WorkerEvent> events, CancellationToken cancellationToken);

    Task DeletedAsync(DeleteResult result, CancellationToken cancellationToken);

    Task BulkDeletedAsync(Client.BulkDeleteResult result, CancellationToken cancellationToken);

    Task RewoundAsync(RewindResult result, CancellationToken cancellationToken);

    /// <summary>Writes dead letters as they arrive.</summary>
    Task DeadLettersAsync(IAsyncEnumerable<DeadLetter> letters, CancellationToken cancellationToken);

    /// <summary>One dead letter and what was done to it (e.g. replayed).</summary>
    Task DeadLetterAsync(DeadLetter letter, string done, CancellationToken cancellationToken);

    Task AcceptedAsync(AcceptResult result, CancellationToken cancellationToken);

    Task AuditAsync(ImmutableArray<AuditEntry> entries, CancellationToken cancellationToken);

    /// <summary>Plain text (help), whatever the format.</summary>
    Task TextAsync(string text, CancellationToken cancellationToken);

    Task FlushAsync(CancellationToken cancellationToken);
}
