namespace Overseer.Sources.Feeds;

/// <summary><c>GET {feed}/events?after=&amp;limit=</c> → <c>{"events":[…],"head":n}</c>.</summary>
public sealed record FeedPage(IReadOnlyList<FeedEvent> Events, long Head);
