using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Overseer.Diagnostics;
using Overseer.Hosting;
using Overseer.Pool;

namespace Overseer.Registry;

/// <summary>The partition's part in the running-worker pool: waking the pending workers of its slice that can take a
/// slot — at once when a releasing worker says so (<see cref="WakeAsync"/>), and on a pool check every
/// <see cref="PoolCheckEvery"/> that catches slots returned by expired leases (a dead silo) and lost wake-ups.</summary>
/// <remarks>Every partition reads the same head of the queue and pokes only its own ids, so the next worker is woken
/// by the partition that supervises it. Partition 0 also publishes the pool's status for the gauges.</remarks>
public sealed partial class PartitionGrain
{
    private static readonly TimeSpan PoolCheckEvery = TimeSpan.FromSeconds(1);

    /// <summary>How many stall timeouts a queued worker may stay silent before the stall scan pokes it anyway.</summary>
    private const int QueuedStallFactor = 10;

    private SlotPool? _slots;
    private PoolSnapshot? _poolGauges;
    private int? _partitions;
    private DateTimeOffset _lastPoolCheck;
    private bool _poolCheckRunning;

    private SlotPool Slots => _slots ??= ServiceProvider.GetRequiredService<SlotPool>();

    private PoolSnapshot PoolGauges => _poolGauges ??= ServiceProvider.GetRequiredService<PoolSnapshot>();

    private int Partitions => _partitions ??= ServiceProvider.GetRequiredService<IOptions<OverseerOptions>>().Value.Partitions;

    public Task WakeAsync(string id)
    {
        // Poked even if this slice no longer wants it to run: the poke then takes it out of the queue.
        EnqueuePoke(id);
        PumpPokes();
        return Task.CompletedTask;
    }

    private void CheckPoolIfDue(DateTimeOffset now)
    {
        if (!Slots.Capped || _poolCheckRunning || now - _lastPoolCheck < PoolCheckEvery)
        {
            return;
        }

        _lastPoolCheck = now;
        _poolCheckRunning = true;
        CheckPoolAsync().Ignore();
    }

    private async Task CheckPoolAsync()
    {
        try
        {
            var status = await Slots.GetStatusAsync(CancellationToken.None);
            if (Partition == 0)
            {
                PoolGauges.Publish(status);
            }

            foreach (var id in status.Next)
            {
                if (WorkerPartitioner.PartitionOf(id, Partitions) == Partition)
                {
                    EnqueuePoke(id);
                }
            }

            PumpPokes();
        }
        catch (Exception ex)
        {
            Log.PoolCheckFailed(logger, Partition, ex);
        }
        finally
        {
            _poolCheckRunning = false;
        }
    }
}
