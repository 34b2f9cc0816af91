using System.Text.Json.Serialization;

namespace Overseer.ReferenceSource.Wire;

/// <summary>
/// A WebSocket text message: <c>{"type":"events","events":[…],"head":N}</c> or <c>{"type":"heartbeat","head":N}</c>.
/// </summary>
internal sealed record StreamMessage(
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] FeedEvent[]? Events,
    long Head)
{
    public const string EventsType = "events";
    public const string HeartbeatType = "heartbeat";

    public static StreamMessage ForEvents(FeedEvent[] events, long head) => new(EventsType, events, head);

    public static StreamMessage Heartbeat(long head) => new(HeartbeatType, null, head);
}
