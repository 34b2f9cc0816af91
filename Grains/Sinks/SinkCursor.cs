namespace Overseer.Sinks;

/// <summary>A claimed cursor: the fencing generation this run commits with, and the committed checkpoint.</summary>
public readonly record struct SinkCursor(long Generation, long Checkpoint);
