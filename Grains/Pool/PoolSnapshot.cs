
namespace Overseer.Pool;

/// <summary>Per silo: the latest cluster-wide <see cref="PoolStatus"/>, published only by partition 0 while it is active
/// here, so exactly one silo reports the <c>overseer.pool-in-use</c> and <c>overseer.pool-pending</c> gauges and a sum
/// over silos stays right.</summary>
internal sealed class PoolSnapshot
{
    private volatile PoolStatus? _current;

    internal PoolStatus? Current => _current;

    internal void Publish(PoolStatus status) => _current = status;

    internal void Withdraw() => _current = null;
}
