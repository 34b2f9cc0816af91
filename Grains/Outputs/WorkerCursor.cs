namespace Overseer.Outputs;

/// <summary>A worker's cursor in its <see cref="ICursorStore"/>: the fencing generation, the committed checkpoint, the
/// source token committed with it, and whether the worker is stopped (then no claim and no commit succeeds until a start
/// or resume).</summary>
internal readonly record struct WorkerCursor(long Generation, long Checkpoint, string? Token, bool Stopped);
