using Xunit.Abstractions;

namespace Overseer.Tests.Grains;

/// <summary>The guarantees whose Redis side a cluster changes, each the same test body as on one redis-server, run on a
/// real 3-primary, 3-replica Redis Cluster: restore (the registry's rows and the workers' state are spread over the
/// primaries), registry truth (partition hashes in slots of their own) and the pool's cap (its scripts over the keys
/// of the <c>{pool}</c> slot). Fencing, rewind and delete: <see cref="RedisClusterOutputTests"/> and
/// <see cref="RedisClusterWorkerOperationsTests"/>.</summary>
/// <remarks>Each case that needs a registry of its own starts in-process silos under a ServiceId of its own on the
/// collection's one Redis Cluster, instead of starting another cluster.</remarks>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterGuaranteeTests(RedisClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public Task WholeClusterRestart_OnARedisCluster_RestoresRunningWorkers_LeavesStoppedAndCompletedAlone() =>
        RecoveryTests.WholeClusterRestartAsync(fixture.Overseer);

    [Fact]
    public async Task ListAndSummary_OnARedisCluster_CountEveryWorkerByStatus_AndPageWithoutGapsOrRepeats()
    {
        var cluster = await fixture.Overseer.StartClusterAsync($"svc-{Guid.NewGuid():N}");
        await using var _ = cluster;

        await RegistryTests.ListAndSummaryAsync(cluster.Client.GetGrain<IManagerGrain>(0));
    }

    [Fact]
    public async Task Pool_OnARedisCluster_FiftyStartsOverCapTen_NeverMoreThanTenRunningAndAllCompleteInStartOrder()
    {
        var pool = new PoolCluster(fixture.Redis.ConnectionString);
        await pool.InitializeAsync();
        try
        {
            await PoolTests.FiftyStartsOverCapAsync(pool, output);
        }
        finally
        {
            await pool.DisposeAsync();
        }
    }
}
