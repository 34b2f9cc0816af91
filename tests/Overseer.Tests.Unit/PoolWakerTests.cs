using Overseer.Pool;
using Overseer.Registry;
using Overseer.Supervision;

namespace Overseer.Tests.Unit;

public sealed class PoolWakerTests
{
    [Fact]
    public void IdsToWake_HeadOfTheQueue_OnlyThisPartitionsIdsInQueueOrder()
    {
        var ids = Enumerable.Range(0, 40).Select(i => $"queued-{i}").ToList();
        var status = new PoolStatus(Size: 10, InUse: 10, Pending: ids.Count, AverageWaitMs: 0, Next: ids);

        var mine = PoolWaker.IdsToWake(status, partition: 1, partitions: 4);

        Assert.NotEmpty(mine);
        Assert.Equal(ids.Where(id => WorkerPartitioner.PartitionOf(id, 4) == 1), mine);
    }

    [Fact]
    public void IdsToWake_EmptyQueue_WakesNobody() =>
        Assert.Empty(PoolWaker.IdsToWake(PoolStatus.Unlimited, partition: 0, partitions: 8));
}
