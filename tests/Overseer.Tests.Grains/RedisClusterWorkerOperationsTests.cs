namespace Overseer.Tests.Grains;

/// <summary><see cref="WorkerOperationsTests"/> on a real 3-primary, 3-replica Redis Cluster: a delete leaves no key on
/// any primary (cursor, stream and grain state live in different slots), and a rewind, also one racing a fast worker's
/// commits, runs its script on the worker's own primary.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterWorkerOperationsTests(RedisClusterFixture fixture) : WorkerOperationsTests(fixture.Overseer);
