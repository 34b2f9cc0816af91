namespace Overseer.Outputs;

/// <summary>A running worker's rollback after its source's history changed (<see cref="Sources.SourceRollbackException"/>):
/// every effect after <paramref name="ToSeq"/> removed, the checkpoint moved back to it and the token set, in one fenced
/// step, if <paramref name="Generation"/> is still current, the worker is not stopped and the checkpoint is still
/// <paramref name="Checkpoint"/>.</summary>
internal readonly record struct CommitRollback(long Generation, long Checkpoint, long ToSeq, string? Token, WorkerBinding Binding);
