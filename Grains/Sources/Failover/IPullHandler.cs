namespace Overseer.Sources.Failover;

/// <summary>An active handler (HTTP polling) that a <see cref="FailoverSource"/> falls back to.</summary>
internal interface IPullHandler
{
    long? Head { get; }

    /// <summary>One page of events after <paramref name="after"/>; empty when caught up.</summary>
    Task<IReadOnlyList<SourceEvent>> FetchAsync(long after, CancellationToken cancellationToken);
}
