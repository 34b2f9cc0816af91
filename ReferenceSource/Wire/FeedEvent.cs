namespace Overseer.ReferenceSource.Wire;

/// <summary><c>{"seq":1,"ts":"2025-01-01T00:00:00.02Z","payload":"orders#1#…"}</c>.</summary>
internal sealed record FeedEvent(long Seq, DateTime Ts, string Payload);
