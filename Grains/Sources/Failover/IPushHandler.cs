namespace Overseer.Sources.Failover;

/// <summary>The preferred side of a failover source: a connection the upstream pushes into (a socket, a subscription,
/// a queue). Composed with an <see cref="IPullHandler"/> by <see cref="FailoverSources.Create"/>.</summary>
/// <remarks>Do not retry or reconnect in a loop here: throw <see cref="Feeds.FeedUnavailableException"/> on any failure
/// (closed, gap, bad message) and the source fails over to polling at once. A receive that yields nothing within
/// <see cref="FailoverOptions.Stall"/> is cancelled and counts as a failure too. While polling, the source probes
/// with <see cref="ProbeAsync"/> in the background and switches back once a probe succeeds. The cursor is always the
/// worker's checkpoint: when <c>after</c> is not where your connection is, reconnect from it (or skip what
/// the caller already has), so that neither switch skips or repeats an event. Any other exception crashes the run.</remarks>
public interface IPushHandler : IAsyncDisposable
{
    /// <summary>The highest sequence number the upstream has, when known (shown as the worker's head, for lag).</summary>
    long? Head { get; }

    /// <summary>The next events with sequence numbers greater than <paramref name="after"/>, in increasing order
    /// (connecting first if needed); empty on a heartbeat, which proves the connection alive.</summary>
    Task<IReadOnlyList<SourceEvent>> ReceiveAsync(long after, CancellationToken cancellationToken);

    /// <summary>Connects from <paramref name="after"/> and waits for a first message (keep it for the next
    /// <see cref="ReceiveAsync"/>); throws if push is still unhealthy. Cancelled after <see cref="FailoverOptions.Stall"/>.</summary>
    Task ProbeAsync(long after, CancellationToken cancellationToken);

    /// <summary>Drops the connection after a failure; the next call connects again from its cursor.</summary>
    Task ResetAsync();
}
