using Overseer.Testing;

namespace Overseer.Tests.Grains;

/// <summary>One real 3-primary, 3-replica Redis Cluster shared by <see cref="RedisDurabilityTests"/>: each test brings its
/// own silos (its own durability setting) and leaves the cluster as it found it (the primary it killed is back as a
/// replica).</summary>
public sealed class RedisDurabilityFixture : IAsyncLifetime
{
    public RedisCluster Redis { get; private set; } = null!;

    public async Task InitializeAsync() => Redis = await RedisCluster.StartNewAsync();

    public async Task DisposeAsync() => await Redis.DisposeAsync();
}
