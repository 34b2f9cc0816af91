namespace Overseer.Outputs;

/// <summary>Outcome and the checkpoint after the commit (or the current one, when fenced).</summary>
internal readonly record struct CommitResult(CommitOutcome Outcome, long Checkpoint);
