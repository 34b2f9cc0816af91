using Orleans.Runtime;

namespace Overseer.Placement;

/// <summary>The one rule that decides which silo hosts which partition (used at placement and by a partition
/// checking whether it should move after the membership changed).</summary>
internal static class PartitionLayout
{
    /// <summary>The home of <paramref name="partition"/> among <paramref name="silos"/>: the <c>partition mod S</c>-th
    /// in address order, or null when there is no silo.</summary>
    public static SiloAddress? HomeOf(int partition, IEnumerable<SiloAddress> silos)
    {
        var ordered = silos.OrderBy(s => s.ToParsableString(), StringComparer.Ordinal).ToArray();
        return ordered.Length == 0 ? null : ordered[partition % ordered.Length];
    }
}
