namespace Overseer.Tests.Grains;

/// <summary>The tests that share one real Redis Cluster and its in-process Overseer (<see cref="RedisClusterFixture"/>):
/// they run one after another, each with worker ids (or a ServiceId) of its own.</summary>
[CollectionDefinition(Name)]
public sealed class RedisClusterCollection : ICollectionFixture<RedisClusterFixture>
{
    public const string Name = "redis-cluster";
}
