namespace Overseer.ReferenceSource.Wire;

/// <summary>The answer of <c>GET /feeds/{feed}/events</c>: <c>{"events":[…],"head":N}</c>.</summary>
internal sealed record EventsPage(FeedEvent[] Events, long Head);
