namespace Overseer.Sources.Feeds;

/// <summary>The feed could not be read (HTTP error, socket closed, gap on a stream, no answer in time).</summary>
internal sealed class FeedUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
