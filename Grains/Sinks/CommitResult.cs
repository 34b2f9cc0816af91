namespace Overseer.Sinks;

/// <summary>Outcome and the checkpoint after the commit (or the current one, when fenced).</summary>
public readonly record struct CommitResult(CommitOutcome Outcome, long Checkpoint);
