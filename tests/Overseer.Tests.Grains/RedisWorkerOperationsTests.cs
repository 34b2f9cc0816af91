namespace Overseer.Tests.Grains;

/// <summary><see cref="WorkerOperationsTests"/> on one real redis-server.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RedisWorkerOperationsTests(OverseerCluster fixture) : WorkerOperationsTests(fixture);
