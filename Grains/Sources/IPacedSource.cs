namespace Overseer.Sources;

/// <summary>A source whose fetch begins with a wait of its own (the sequence source's <c>delayMs</c>): its run waits it
/// out on the silo's <see cref="PaceClock"/>, in the run's own frame, and then fetches with <see cref="FetchPacedAsync"/>.
/// A worker that idles in such a wait holds a queue entry, not a timer, a delay and a frame of its source's.</summary>
internal interface IPacedSource : IEventSource
{
    /// <summary>The wait before each fetch; zero when the source waits in <see cref="IEventSource.FetchAsync"/> itself
    /// (e.g. when its fetch holds a permit that must cover the wait) or not at all.</summary>
    TimeSpan Pace { get; }

    /// <summary>The fetch once its <see cref="Pace"/> has been waited out.</summary>
    Task<SourceBatch> FetchPacedAsync(long after, CancellationToken cancellationToken);
}
