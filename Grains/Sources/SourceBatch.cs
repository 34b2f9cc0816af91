namespace Overseer.Sources;

/// <summary>What one fetch returned.</summary>
/// <param name="Events">Events after the cursor, in increasing sequence order (may be empty).</param>
/// <param name="Exhausted">True when the source has nothing more, ever: the worker's run completes.</param>
public sealed record SourceBatch(IReadOnlyList<SourceEvent> Events, bool Exhausted)
{
    public static SourceBatch Done { get; } = new([], true);
}
