namespace Overseer.Sources.Feeds;

/// <summary>One event on the feed protocol (HTTP and WebSocket): <c>{"seq":1,"ts":"…","payload":"…"}</c>.</summary>
internal sealed record FeedEvent(long Seq, DateTimeOffset Ts, string Payload);
