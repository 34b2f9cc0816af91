namespace Overseer.Sources.Feeds;

/// <summary>The source's upstream could not be read just now (an HTTP error, a closed or silent socket, a gap on a
/// stream, no answer in time): an outage, not a bug.</summary>
/// <remarks>Throw it from an <see cref="Failover.IPushHandler"/> or <see cref="Failover.IPullHandler"/>: a failing push
/// handler makes the source fail over to polling; a failing pull handler is retried with backoff and crashes the run
/// only once the outage has lasted <see cref="Failover.FailoverOptions.MaxOutage"/>. Any other exception crashes the
/// run at once (the worker's supervisor decides whether to restart).</remarks>
public sealed class FeedUnavailableException : Exception
{
    /// <summary>An outage described by <paramref name="message"/> (what was read, what went wrong), caused by
    /// <paramref name="inner"/> when there is one.</summary>
    public FeedUnavailableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
