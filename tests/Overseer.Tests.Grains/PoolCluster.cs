using Overseer.Outputs;
using Overseer.Redis;

namespace Overseer.Tests.Grains;

/// <summary>The 2-silo in-process cluster with a running-worker pool of <see cref="Cap"/> slots.</summary>
public sealed class PoolCluster : IAsyncLifetime
{
    public const int Cap = 10;

    public OverseerCluster Overseer { get; } = new()
    {
        Pool = o =>
        {
            o.MaxRunningWorkers = Cap;
            o.SlotLease = TimeSpan.FromSeconds(3);
        },
    };

    /// <summary>Slots held right now, read from Redis (the pool's own truth; expired leases not counted).</summary>
    public async Task<long> HoldersAsync()
    {
        var holders = new RedisKeys(Overseer.ServiceId).Pool[0];
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return await Overseer.Mux.GetDatabase().SortedSetLengthAsync(holders, now, double.PositiveInfinity);
    }

    public Task InitializeAsync() => Overseer.InitializeAsync();

    public Task DisposeAsync() => Overseer.DisposeAsync();
}
