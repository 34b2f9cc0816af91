namespace Overseer.Sinks;

/// <summary>A worker's cursor in the sink: the fencing generation, the committed checkpoint, the source token committed
/// with it, and whether the worker is stopped (then no claim and no commit succeeds until a start or resume).</summary>
public readonly record struct SinkCursor(long Generation, long Checkpoint, string? Token, bool Stopped);
