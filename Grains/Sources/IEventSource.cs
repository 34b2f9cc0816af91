namespace Overseer.Sources;

/// <summary>A running connection to an external event source, created for one run of one worker.</summary>
/// <remarks>Sources know nothing of grains: they take a cursor and return events, so they can be tested alone.
/// <see cref="FetchAsync"/> should wait (poll interval, socket) rather than return empty batches in a tight loop.
/// A thrown exception is a crash of the worker's run; the supervisor decides whether to restart.</remarks>
public interface IEventSource : IAsyncDisposable
{
    /// <summary>Events with sequence numbers greater than <paramref name="after"/> (the worker's checkpoint).</summary>
    Task<SourceBatch> FetchAsync(long after, CancellationToken cancellationToken);
}
