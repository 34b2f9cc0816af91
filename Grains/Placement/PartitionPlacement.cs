using Orleans.Placement;

namespace Overseer.Placement;

/// <summary>Places partition <c>p</c> on the <c>p mod S</c>-th of the S compatible silos in address order, so the
/// P partitions spread evenly (⌈P/S⌉ or ⌊P/S⌋ per silo) and every silo computes the same layout.</summary>
/// <remarks>Hash placement can put 5 of 8 partitions on one of 3 silos, and the 10.x default (resource-optimised)
/// piles them onto one silo of an idle cluster. See <see cref="PartitionLayout"/> for the rule itself.</remarks>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
internal sealed class PartitionPlacement : PlacementStrategy
{
    internal static readonly PartitionPlacement Instance = new();
}

/// <summary>Marks a grain class keyed by partition number for <see cref="PartitionPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
internal sealed class PartitionPlacementAttribute() : PlacementAttribute(PartitionPlacement.Instance);
