namespace Overseer.Sources.Failover;

/// <summary>The fallback side of a failover source: reads pages by cursor on request (e.g. HTTP polling).
/// Composed with an <see cref="IPushHandler"/> by <see cref="FailoverSources.Create"/>.</summary>
/// <remarks>Keep no cursor of your own: the <c>after</c> of each call is the worker's checkpoint. Do not retry
/// or wait here: throw <see cref="Feeds.FeedUnavailableException"/> on an outage (the source backs off and crashes the
/// run only after <see cref="FailoverOptions.MaxOutage"/>) and return an empty page when caught up (the source waits
/// <see cref="FailoverOptions.PollInterval"/>). Any other exception crashes the run.</remarks>
public interface IPullHandler
{
    /// <summary>The highest sequence number the upstream has, when known (shown as the worker's head, for lag).</summary>
    long? Head { get; }

    /// <summary>One page of events with sequence numbers greater than <paramref name="after"/>, in increasing order;
    /// empty when caught up.</summary>
    Task<IReadOnlyList<SourceEvent>> FetchAsync(long after, CancellationToken cancellationToken);
}
