using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Overseer.Placement;

/// <summary>Puts a partition grain on its <see cref="PartitionLayout.HomeOf"/> silo.</summary>
internal sealed class PartitionPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        var partition = (int)target.GrainIdentity.GetIntegerKey();
        var home = PartitionLayout.HomeOf(partition, silos)
            ?? throw new OrleansException($"no compatible silo to place partition {partition} on");
        return Task.FromResult(home);
    }
}
