using Overseer.Hosting;
using Overseer.Models;
using Overseer.Outputs;

namespace Overseer.Pool;

/// <summary>One activation's hold on a running-worker slot (<see cref="SlotPool"/>): taken before a run starts, renewed
/// by the silo's heartbeat sweep (<see cref="Workers.HeartbeatSweep"/>, all running workers in one script), checked by Redis at every commit (<see cref="CommitLease"/>), held over a backoff
/// and over a hand-over to another activation, and given back when the worker stops, completes or fails.</summary>
/// <remarks>The lease's expiry is Redis' own clock, returned by the pool's scripts and passed with each commit, which
/// the sink refuses once it is past: a worker whose silo was paused longer than the lease cannot commit until it holds
/// a slot again, so the cap holds across any pause. With no cap every call returns at once without touching Redis. Every
/// pool call rides out a store outage through <see cref="RetryingSlotPool"/>.</remarks>
internal sealed class SlotLease(RetryingSlotPool pool, PoolOptions options)
{
    private long _commitLease;

    /// <summary>The newest expiry the sweep renewed the slot to; written from the sweep's thread.</summary>
    private long _swept;

    /// <summary>Whether this activation holds a slot (always true without a cap).</summary>
    public bool Held { get; private set; }

    /// <summary>The lease expiry to commit under (Redis ms), 0 when the pool is uncapped or no slot is held.</summary>
    public long CommitLease => Held ? Math.Max(_commitLease, Volatile.Read(ref _swept)) : 0;

    /// <summary>The sweep renewed the slot in Redis until <paramref name="until"/> (any thread). An expiry only ever comes
    /// from a renewal of this worker's own slot, so one that lands after a release or a new acquire is never later
    /// than what the worker holds then.</summary>
    public void Renewed(long until)
    {
        var seen = Volatile.Read(ref _swept);
        while (until > seen)
        {
            var was = Interlocked.CompareExchange(ref _swept, until, seen);
            if (was == seen)
            {
                return;
            }

            seen = was;
        }
    }

    /// <summary>Takes a slot, or confirms and renews the one held. Not granted: queued (or, for
    /// <see cref="StartMode.Try"/>, left as it was).</summary>
    public async Task<SlotGrant> AcquireAsync(string workerId, StartMode mode, CancellationToken cancellationToken)
    {
        var grant = await pool.AcquireAsync(workerId, mode == StartMode.Queue, cancellationToken);
        Held = grant.Granted;
        _commitLease = grant.LeaseUntil;
        Volatile.Write(ref _swept, 0);
        return grant;
    }

    /// <summary>Renews the lease; one that expired (a long pause) is taken again if a slot is free. False: another
    /// worker has the slot now and this one must wait as Pending.</summary>
    public async Task<bool> RenewAsync(string workerId, CancellationToken cancellationToken)
    {
        if (!pool.Capped)
        {
            return Held = true;
        }

        var until = await pool.RenewAsync(workerId, options.SlotLease, cancellationToken);
        if (until > 0)
        {
            _commitLease = until;
            return Held = true;
        }

        return (await AcquireAsync(workerId, StartMode.Queue, cancellationToken)).Granted;
    }

    /// <summary>Extends the lease over a pause in which nothing renews it — a backoff, or a hand-over to another
    /// activation — plus one lease, so the run after it finds the slot still held. Never shortens it.</summary>
    public async Task HoldThroughAsync(string workerId, TimeSpan pause, CancellationToken cancellationToken)
    {
        if (!pool.Capped || !Held)
        {
            return;
        }

        var until = await pool.RenewAsync(workerId, pause + options.SlotLease, cancellationToken);
        Held = until > 0;
        _commitLease = until;
    }

    /// <summary>Gives the slot back and leaves the queue; returns the pending ids that can take a slot now.</summary>
    public async Task<IReadOnlyList<string>> ReleaseAsync(string workerId, CancellationToken cancellationToken)
    {
        Forget();
        if (!pool.Capped)
        {
            return [];
        }

        return await pool.ReleaseAsync(workerId, cancellationToken);
    }

    /// <summary>Forgets the hold without telling Redis (a move or deactivation: the slot stays the worker's, for the
    /// next activation, as long as <see cref="HoldThroughAsync"/> held it).</summary>
    public void Forget()
    {
        Held = false;
        _commitLease = 0;
        Volatile.Write(ref _swept, 0);
    }
}
