namespace Overseer.Outputs;

/// <summary>A worker's cursor in its <see cref="ICursorStore"/>: the fencing generation, the committed checkpoint, the
/// source token committed with it, and whether the worker is stopped (then no claim and no commit succeeds until a start
/// or resume), and the handler version its effects were committed with (null: none yet, or a worker without a handler;
/// see <see cref="CommitBatch.HandlerVersion"/>).</summary>
internal readonly record struct WorkerCursor(long Generation, long Checkpoint, string? Token, bool Stopped, int? HandlerVersion = null);
