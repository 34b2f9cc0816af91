using Overseer.Outputs;

namespace Overseer.Pool;

/// <summary>A worker's view of the <see cref="SlotPool"/> with a store outage ridden out: every call goes through
/// <see cref="StoreRetry"/>, so a pool call is never a crash and no call site retries by hand (the pool's counterpart of
/// <see cref="RetryingOutput"/>). One per silo: it holds nothing per worker.</summary>
/// <remarks>Each call is safe to repeat: acquire keeps the slot or the place in the queue the id already has, renew
/// never shortens a lease, and release is idempotent.</remarks>
internal sealed class RetryingSlotPool(SlotPool pool, StoreRetry retry)
{
    /// <inheritdoc cref="SlotPool.Capped"/>
    public bool Capped => pool.Capped;

    /// <inheritdoc cref="SlotPool.AcquireAsync"/>
    public Task<SlotGrant> AcquireAsync(string workerId, bool queue, CancellationToken cancellationToken) =>
        retry.ExecuteAsync(workerId, ct => pool.AcquireAsync(workerId, queue, ct), cancellationToken);

    /// <inheritdoc cref="SlotPool.RenewAsync"/>
    public Task<long> RenewAsync(string workerId, TimeSpan lease, CancellationToken cancellationToken) =>
        retry.ExecuteAsync(workerId, ct => pool.RenewAsync(workerId, lease, ct), cancellationToken);

    /// <inheritdoc cref="SlotPool.ReleaseAsync"/>
    public Task<IReadOnlyList<string>> ReleaseAsync(string workerId, CancellationToken cancellationToken) =>
        retry.ExecuteAsync(workerId, ct => pool.ReleaseAsync(workerId, ct), cancellationToken);
}
