using Overseer.Diagnostics;
using Overseer.Registry;

namespace Overseer.Pool;

/// <summary>The partition's part in the running-worker pool: every <c>PoolCheckInterval</c> it reads the head of the
/// pool's queue and says which of this partition's queued workers to poke. The check catches slots returned by
/// expired leases (a dead silo) and lost wake-ups; a releasing worker wakes the next one at once by itself.</summary>
/// <remarks>Every partition reads the same head of the queue and pokes only its own ids, so the next worker is woken
/// by the partition that supervises it. Partition 0 also publishes the pool's status for the gauges. One check at a
/// time: a slow Redis must not pile checks up.</remarks>
internal sealed class PoolWaker(SlotPool slots, PoolSnapshot gauges, TimeSpan interval, int partitions)
{
    private DateTimeOffset _lastCheck;
    private bool _checking;

    /// <summary>Whether a check should start at <paramref name="now"/> (only with a pool cap, one at a time); starts it if so.</summary>
    public bool StartCheck(DateTimeOffset now)
    {
        if (!slots.Capped || _checking || now - _lastCheck < interval)
        {
            return false;
        }

        _lastCheck = now;
        _checking = true;
        return true;
    }

    /// <summary>Reads the pool (after <see cref="StartCheck"/> said yes) and returns the ids <paramref name="partition"/>
    /// should poke.</summary>
    public async Task<IReadOnlyList<string>> CheckAsync(int partition, CancellationToken cancellationToken)
    {
        try
        {
            var status = await slots.GetStatusAsync(cancellationToken);
            if (partition == 0)
            {
                gauges.Publish(status);
            }

            return IdsToWake(status, partition, partitions);
        }
        finally
        {
            _checking = false;
        }
    }

    /// <summary>Partition 0 going away takes the pool gauges with it (another silo's partition 0 publishes next).</summary>
    public void Withdraw(int partition)
    {
        if (partition == 0)
        {
            gauges.Withdraw();
        }
    }

    /// <summary>The queued workers at the head of <paramref name="status"/> that belong to <paramref name="partition"/>.</summary>
    public static IReadOnlyList<string> IdsToWake(PoolStatus status, int partition, int partitions) =>
        [.. status.Next.Where(id => WorkerPartitioner.PartitionOf(id, partitions) == partition)];
}
