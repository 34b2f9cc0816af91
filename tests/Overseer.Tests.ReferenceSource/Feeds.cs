namespace Overseer.Tests.ReferenceSource;

/// <summary>Unique feed names, so that every test has feeds (and feed clocks) of its own.</summary>
internal static class Feeds
{
    /// <summary><c>{prefix}-{32 hex digits}</c>; keep the prefix under 32 characters (names are at most 64).</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";
}
