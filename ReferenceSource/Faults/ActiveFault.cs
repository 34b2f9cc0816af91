namespace Overseer.ReferenceSource.Faults;

/// <summary>A fault in force until <see cref="Until"/> (UTC); a null <see cref="Feed"/> means every feed.</summary>
internal sealed record ActiveFault(FaultMode Mode, string? Feed, DateTime Until)
{
    public bool Affects(FaultMode mode, string feed) => Mode == mode && (Feed is null || string.Equals(Feed, feed, StringComparison.Ordinal));
}
