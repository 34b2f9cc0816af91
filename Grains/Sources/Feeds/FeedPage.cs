namespace Overseer.Sources.Feeds;

/// <summary><c>GET {feed}/events?after=&amp;limit=</c> → <c>{"events":[…],"head":n}</c>.</summary>
internal sealed record FeedPage(IReadOnlyList<FeedEvent> Events, long Head);
