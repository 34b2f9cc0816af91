using Overseer.Testing;

namespace Overseer.Tests.Grains;

/// <summary>An <see cref="OverseerCluster"/> (2 in-process silos) whose every Redis use is a real 3-primary, 3-replica
/// Redis Cluster: Overseer's own keys and Orleans' grain storage. Shared by the <see cref="RedisClusterCollection"/>.</summary>
/// <remarks>Membership stays the test host's in-memory table: InProcessTestCluster keeps it even when the silos and the
/// client are given UseRedisClustering, so Orleans' Redis clustering on a cluster is not covered here.</remarks>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    public RedisCluster Redis { get; private set; } = null!;

    public OverseerCluster Overseer { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // appendfsync always: the output contract's kill-and-restart case (RedisClusterOutputTests) restarts every node
        // and asserts that no acknowledged commit is lost, which everysec does not promise on a loaded machine.
        Redis = await RedisCluster.StartNewAsync(nodeArguments: ["--appendfsync", "always"]);
        try
        {
            Overseer = new OverseerCluster { RedisConnectionString = Redis.ConnectionString };
            await Overseer.InitializeAsync();
        }
        catch
        {
            await Redis.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await Overseer.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
