namespace Overseer.Sources.Feeds;

/// <summary>A WebSocket message of <c>{feed}/stream?after=</c>: <c>{"type":"events","events":[…],"head":n}</c>
/// or <c>{"type":"heartbeat","head":n}</c>.</summary>
internal sealed record FeedMessage(string Type, IReadOnlyList<FeedEvent>? Events, long Head);
