namespace Overseer.Outputs;

/// <summary>Outcome and the checkpoint after the commit (or the current one, when refused); with
/// <see cref="CommitOutcome.VersionChanged"/>, the handler version the cursor holds.</summary>
internal readonly record struct CommitResult(CommitOutcome Outcome, long Checkpoint, int? HandlerVersion = null);
