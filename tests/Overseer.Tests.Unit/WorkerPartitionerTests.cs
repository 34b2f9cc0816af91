using Overseer.Registry;

namespace Overseer.Tests.Unit;

public sealed class WorkerPartitionerTests
{
    [Theory]
    [InlineData("a", 8, 4)]
    [InlineData("worker-1", 8, 5)]
    [InlineData("worker-2", 8, 4)]
    [InlineData("demo-1", 16, 0)]
    public void PartitionOf_IsStableAcrossProcessesAndVersions(string id, int partitions, int expected)
    {
        // Pinned values (FNV-1a 32 computed independently): a change here would move registered workers to another partition.
        Assert.Equal(expected, WorkerPartitioner.PartitionOf(id, partitions));
    }

    [Fact]
    public void PartitionOf_SpreadsIdsEvenly()
    {
        var counts = new int[8];
        for (var i = 0; i < 80_000; i++)
        {
            counts[WorkerPartitioner.PartitionOf($"w-{i}", 8)]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 9_000, 11_000));
    }
}
