namespace Overseer.Sources.Failover;

/// <summary>Which handler a failover source is reading through.</summary>
internal enum FeedHandler
{
    /// <summary>The preferred, passive handler (socket, queue).</summary>
    Push = 0,
    /// <summary>The fallback, active handler (HTTP polling).</summary>
    Poll = 1,
}
