using System.Collections.Immutable;

namespace Overseer.Client;

/// <summary>Where a bulk delete stands (as progress) or how it ended.</summary>
/// <param name="Total">Ids asked for.</param>
/// <param name="Deleted">Ids deleted so far.</param>
/// <param name="EventsRemoved">Events removed with them.</param>
/// <param name="Refused">Ids not deleted, each with the reason (unknown, refused).</param>
public sealed record BulkDeleteResult(int Total, int Deleted, long EventsRemoved, ImmutableArray<string> Refused)
{
    /// <summary>Ids handled so far, deleted or refused.</summary>
    public int Done => Deleted + Refused.Length;
}
