namespace Overseer.Sinks;

/// <summary>Result of one batch commit.</summary>
public enum CommitOutcome
{
    /// <summary>The batch and the new checkpoint were written together.</summary>
    Committed = 0,
    /// <summary>A newer run claimed the cursor: this run is stale and must stop without writing.</summary>
    Fenced = 1,
}
