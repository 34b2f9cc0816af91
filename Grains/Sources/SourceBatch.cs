namespace Overseer.Sources;

/// <summary>What one fetch returned.</summary>
/// <param name="Events">Events after the cursor, in increasing sequence order (may be empty).</param>
/// <param name="Exhausted">True when the source has nothing more, ever: the worker's run completes.</param>
/// <param name="Token">The source's token after the last of <paramref name="Events"/> (e.g. that block's hash), committed
/// atomically with them and handed back in <see cref="SourceContext.ResumeToken"/> on resume; null = unchanged.</param>
/// <param name="FinalThrough">For a source whose history may change (<see cref="SourceRollbackException"/>): the highest
/// sequence number it will never roll back past, as of this batch (never lower than one given before, but for a rewind).
/// Effects of events above it are journaled so that a rollback can undo them; null: the source never rolls back.</param>
public sealed record SourceBatch(IReadOnlyList<SourceEvent> Events, bool Exhausted, string? Token = null, long? FinalThrough = null)
{
    /// <summary>No events, and the source is exhausted: the worker's run completes.</summary>
    public static SourceBatch Done { get; } = new([], true);
}
