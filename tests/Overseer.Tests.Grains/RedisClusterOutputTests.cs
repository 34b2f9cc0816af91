using System.Collections.Immutable;
using Overseer.Outputs;
using Overseer.Outputs.Redis;
using Overseer.Redis;

namespace Overseer.Tests.Grains;

/// <summary>The output contract (<see cref="OutputContractTests"/>: fencing of a stale generation and of a stop, the
/// lease, density, lost replies, create after a delete, rewind) on the Redis stream output against a real 3-primary,
/// 3-replica Redis Cluster: each worker's scripts run on the primary that serves its <c>{id}</c> slot. "A kill and
/// restart of the store" is a kill -9 of every node at once and a start of each (no failover: see
/// RedisClusterFailoverTests for that).</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterOutputTests(RedisClusterFixture fixture) : OutputContractTests
{
    private protected override Task<OutputHarness> StartAsync()
    {
        // A ServiceId of its own per test: the contract's cases reuse worker ids ("w", "s", …).
        var output = new RedisStreamOutput(fixture.Overseer.Mux, new RedisKeys($"sink-{Guid.NewGuid():N}"), TestReplicaAcks.Create(fixture.Overseer.Mux));
        var binding = new WorkerBinding(output, null, null, ImmutableSortedDictionary<string, string>.Empty);
        return Task.FromResult(new OutputHarness(
            output,
            binding,
            async id => [.. (await output.ReadAsync(id, 1, 100_000, CancellationToken.None)).Select(e => e.Seq)],
            countsEffects: true));
    }

    // The connection and the cluster belong to the collection's fixture.
    private protected override Task StopAsync() => Task.CompletedTask;

    private protected override async Task<long> StoreNowMsAsync()
    {
        // Every node runs on this machine's clock; the lease is compared with TIME on the worker's primary.
        var mux = fixture.Overseer.Mux;
        var time = await mux.GetServer(mux.GetEndPoints()[0]).TimeAsync();
        return new DateTimeOffset(time, TimeSpan.Zero).ToUnixTimeMilliseconds();
    }

    private protected override Task RestartStoreAsync() => fixture.Redis.RestartAllAsync();
}
