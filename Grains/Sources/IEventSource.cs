namespace Overseer.Sources;

/// <summary>A running connection to an external event source, created for one run of one worker.</summary>
/// <remarks>Sources know nothing of grains: they take a cursor and return events, so they can be tested alone.
/// <see cref="FetchAsync"/> should wait (poll interval, socket) rather than return empty batches in a tight loop.
/// A thrown exception is a crash of the worker's run; the supervisor decides whether to restart.</remarks>
public interface IEventSource : IAsyncDisposable
{
    /// <summary>Events with sequence numbers greater than <paramref name="after"/> (the worker's checkpoint).</summary>
    Task<SourceBatch> FetchAsync(long after, CancellationToken cancellationToken);

    /// <summary>The density of this run's sequence numbers, when it is known only once the source has read it (a
    /// <c>stream</c> worker's is its upstream's); null, the default, means the kind's
    /// <see cref="IEventSourceFactory.Density"/>. Read after each fetch, for the batch it returned.</summary>
    SequenceDensity? Density => null;
}
