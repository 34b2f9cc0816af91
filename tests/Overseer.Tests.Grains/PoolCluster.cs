using Overseer.Outputs;
using Overseer.Redis;

namespace Overseer.Tests.Grains;

/// <summary>The 2-silo in-process cluster with a running-worker pool of <see cref="Cap"/> slots.</summary>
public sealed class PoolCluster : IAsyncLifetime
{
    public const int Cap = 10;

    /// <summary>On a private redis-server.</summary>
    public PoolCluster()
        : this(null)
    {
    }

    /// <summary>On the Redis of <paramref name="redisConnectionString"/> (e.g. a <see cref="Testing.RedisCluster"/>'s),
    /// or a private redis-server when null.</summary>
    internal PoolCluster(string? redisConnectionString) => Overseer = new()
    {
        RedisConnectionString = redisConnectionString,
        Pool = o =>
        {
            o.MaxRunningWorkers = Cap;
            o.SlotLease = TimeSpan.FromSeconds(3);
        },
    };

    public OverseerCluster Overseer { get; }

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
