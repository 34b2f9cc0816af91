namespace Overseer.Sources.Failover;

/// <summary>A passive handler (socket, queue) that a <see cref="FailoverSource"/> prefers. It throws on any
/// failure instead of retrying, so the failover source can react.</summary>
internal interface IPushHandler : IAsyncDisposable
{
    long? Head { get; }

    /// <summary>The next events after <paramref name="after"/>; empty on a heartbeat.</summary>
    Task<IReadOnlyList<SourceEvent>> ReceiveAsync(long after, CancellationToken cancellationToken);

    /// <summary>Connects from <paramref name="after"/> and waits for a first message; throws if push is unhealthy.</summary>
    Task ProbeAsync(long after, CancellationToken cancellationToken);

    /// <summary>Drops the connection; the next call reconnects from its cursor.</summary>
    Task ResetAsync();
}
