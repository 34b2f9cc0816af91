namespace Overseer.Outputs;

/// <summary>What a rollback did: <paramref name="Outcome"/> as a commit's (<see cref="CommitOutcome.Committed"/>: rolled
/// back), the checkpoint after it (or the current one), the events removed, and, when the output cannot undo its
/// effects, why (<paramref name="Refusal"/>, a sentence for the operator; nothing was written).</summary>
internal readonly record struct RollbackResult(CommitOutcome Outcome, long Checkpoint, long Removed = 0, string? Refusal = null)
{
    /// <summary>The output cannot undo committed effects: the worker halts.</summary>
    public static RollbackResult Refused(long checkpoint, string why) => new(CommitOutcome.Fenced, checkpoint, 0, why);
}
