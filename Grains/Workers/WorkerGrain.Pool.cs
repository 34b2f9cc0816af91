using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Overseer.Errors;
using Overseer.Hosting;
using Overseer.Models;
using Overseer.Pool;
using Overseer.Registry;
using Overseer.Sinks;

namespace Overseer.Workers;

/// <summary>The worker's side of the running-worker pool (<see cref="SlotPool"/>): a slot is taken before a run starts
/// (not per batch: the fetch/commit loop never touches the pool), renewed with every heartbeat, kept through a crash's
/// backoff and given back when the worker stops, completes or fails — which wakes the next pending worker.</summary>
/// <remarks>A move or a graceful deactivation keeps the slot: the next activation finds it still held (its lease runs
/// meanwhile). With no cap every call here returns at once without touching Redis. The services are resolved here
/// rather than in the primary constructor to keep this concern out of the main file.</remarks>
public sealed partial class WorkerGrain
{
    private SlotPool? _slots;
    private PoolOptions? _pool;
    private bool _slotHeld;

    private SlotPool Slots => _slots ??= ServiceProvider.GetRequiredService<SlotPool>();

    private PoolOptions PoolSettings => _pool ??= ServiceProvider.GetRequiredService<IOptions<PoolOptions>>().Value;

    /// <summary>Takes this worker's slot, or confirms and renews the one it holds. Not granted: queued (or, for
    /// <see cref="StartMode.Try"/>, left as it was).</summary>
    private async Task<SlotGrant> AcquireSlotAsync(StartMode mode)
    {
        var grant = await RetryRedisAsync(() => Slots.AcquireAsync(Id, mode == StartMode.Queue, _lifetime.Token), _lifetime.Token);
        _slotHeld = grant.Granted;
        if (grant.Waited is { } waited)
        {
            Instruments.PoolWaited(waited);
        }

        if (!grant.Granted && grant.Position > 0)
        {
            Log.Queued(logger, Id, grant.Position);
        }

        return grant;
    }

    private OverseerException PoolFull(SlotGrant grant) =>
        OverseerException.PoolFull(grant.Position > 0
            ? $"pool full: worker '{Id}' is already queued at position {grant.Position} for one of the {PoolSettings.MaxRunningWorkers} running-worker slots (Overseer:Pool:MaxRunningWorkers)"
            : $"pool full: all {PoolSettings.MaxRunningWorkers} running-worker slots are held (Overseer:Pool:MaxRunningWorkers); worker '{Id}' was not started or queued — start it without --try to queue it, or stop another worker");

    /// <summary>The run could not get a slot: wait as Pending (durably), to be woken when a slot frees.</summary>
    private async Task QueueAsync()
    {
        _heartbeat?.Dispose();
        _heartbeat = null;
        if (!S.WantsRun || _fenced)
        {
            return;
        }

        S.Status = WorkerStatus.Pending;
        S.NextRestartAt = null;
        S.Checkpoint = Math.Max(S.Checkpoint, _checkpoint);
        await PersistWithRetryAsync();
        Report();
    }

    /// <summary>Gives the slot back (and leaves the queue) and wakes the workers that can take a slot now.</summary>
    private async Task ReleaseSlotAsync()
    {
        _slotHeld = false;
        if (!Slots.Capped)
        {
            return;
        }

        IReadOnlyList<string> next;
        try
        {
            next = await RetryRedisAsync(() => Slots.ReleaseAsync(Id, _lifetime.Token), _lifetime.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException || RedisFaults.IsTransient(ex))
        {
            // Deactivating during a Redis outage: the lease returns the slot; partitions' pool checks wake the next.
            Log.SlotUpdateFailed(logger, Id, ex);
            return;
        }

        foreach (var id in next)
        {
            if (id != Id)
            {
                var partition = WorkerPartitioner.PartitionOf(id, overseer.Value.Partitions);
                GrainFactory.GetGrain<IPartitionGrain>(partition).WakeAsync(id).Ignore();
            }
        }
    }

    /// <summary>A crash keeps its slot: the lease is extended over the backoff, so the restart finds it held.</summary>
    private async Task HoldSlotThroughBackoffAsync(TimeSpan backoff)
    {
        if (!Slots.Capped)
        {
            return;
        }

        try
        {
            await Slots.RenewAsync(Id, backoff + PoolSettings.SlotLease, _lifetime.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException || RedisFaults.IsTransient(ex))
        {
            // The restart re-acquires; at worst it queues again.
            Log.SlotUpdateFailed(logger, Id, ex);
        }
    }

    /// <summary>Heartbeat: renews the slot's lease. A lease that expired (a long pause) is taken again if a slot is
    /// free; otherwise another worker has it now, and this one stops its run and waits as Pending.</summary>
    private async Task RenewSlotAsync()
    {
        if (!Slots.Capped || !_slotHeld || !IsRunning)
        {
            return;
        }

        try
        {
            if (await Slots.RenewAsync(Id, PoolSettings.SlotLease, _lifetime.Token)
                || (await Slots.AcquireAsync(Id, queue: true, _lifetime.Token)).Granted)
            {
                return;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException || RedisFaults.IsTransient(ex))
        {
            // The next heartbeat retries; the lease still has most of its length.
            Log.SlotUpdateFailed(logger, Id, ex);
            return;
        }

        _slotHeld = false;
        Log.SlotLost(logger, Id, _checkpoint);
        await CancelRunAsync(CancellationToken.None);
        await QueueAsync();
    }
}
