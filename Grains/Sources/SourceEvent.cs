namespace Overseer.Sources;

/// <summary>One event from a source: its sequence number (strictly increasing per source) and payload.</summary>
public readonly record struct SourceEvent(long Seq, string Payload);
