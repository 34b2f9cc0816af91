namespace Overseer.Pool;

/// <summary>The answer of <see cref="SlotPool.AcquireAsync"/>.</summary>
/// <param name="Granted">The worker holds a slot now (newly, or it already held one).</param>
/// <param name="Position">When not granted: 1-based place in the pending queue; 0 if not queued (a refused try).</param>
/// <param name="Waited">When newly granted: how long the worker was queued (zero for an immediate grant); null when it
/// already held the slot (a restart after backoff, a move, a recovery).</param>
/// <param name="LeaseUntil">When granted: the lease's expiry in Redis time (Unix ms), which every commit checks; 0 when
/// the pool is uncapped (nothing to check) or not granted.</param>
internal sealed record SlotGrant(bool Granted, long Position, TimeSpan? Waited, long LeaseUntil);
