namespace Overseer.ReferenceSource.Feeds;

/// <summary>The payload of every event: a pure function of feed name and sequence number, so any consumer can check it.</summary>
/// <remarks>
/// Keep this byte-identical: tests in other projects recompute it, and it matches the <c>sequence</c> source's payload
/// (<c>Grains/Sources/Sequence/SequenceSource.cs</c>) so a worker's committed events look the same whichever source fed it.
/// </remarks>
public static class FeedPayload
{
    /// <summary><c>{feed}#{seq}#{hash:x16}</c>, hash = FNV-1a 64 over the UTF-16 chars of <c>{feed}#{seq}</c>.</summary>
    public static string For(string feed, long seq)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in $"{feed}#{seq}")
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return $"{feed}#{seq}#{hash:x16}";
    }
}
