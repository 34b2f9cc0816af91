namespace Overseer.Pool;

/// <summary>The running-worker pool at one moment (expired leases already returned).</summary>
/// <param name="Size">The cap; 0 = unlimited (the other values are then 0).</param>
/// <param name="InUse">Slots held.</param>
/// <param name="Pending">Workers queued for a slot.</param>
/// <param name="AverageWaitMs">Average queueing time over every slot granted so far.</param>
/// <param name="Next">The pending workers a free slot is waiting for, first in line first.</param>
internal sealed record PoolStatus(int Size, long InUse, long Pending, double AverageWaitMs, IReadOnlyList<string> Next)
{
    public static readonly PoolStatus Unlimited = new(0, 0, 0, 0, []);
}
