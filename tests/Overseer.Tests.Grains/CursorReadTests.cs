using System.Globalization;
using Overseer.Outputs.Redis;
using Overseer.Redis;
using Overseer.Testing;
using StackExchange.Redis;

namespace Overseer.Tests.Grains;

/// <summary>A cursor read decides where a worker resumes (after a store that lost commits, before a rewind, in the ETag
/// rule's ownership check): it is answered by the primary or not at all, never by a replica that may be behind it.
/// Found in a Sentinel failover: workers resumed from a lagging replica's checkpoint, two batches behind the new
/// primary's, and crashed on "checkpoint moved".</summary>
public sealed class CursorReadTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Get_WhileThePrimaryIsGone_IsAnOutage_NotAReplicasOlderCheckpoint()
    {
        await using var primary = await RedisServer.StartNewAsync(["--repl-diskless-sync-delay", "0"]);
        await using var replica = await RedisServer.StartNewAsync(["--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture)]);
        using var mux = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{primary.Port},127.0.0.1:{replica.Port},abortConnect=false,connectTimeout=2000,syncTimeout=2000");
        using var onReplica = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{replica.Port},abortConnect=false");
        var keys = new RedisKeys($"cursor-read-{Guid.NewGuid():N}");
        var store = new RedisCursorStore(mux, keys, TestReplicaAcks.Create(mux));
        const string id = "w";

        // The replica has the cursor (here as the primary had it; in a failover it may be behind), and the primary goes.
        var created = await store.CreateAsync(id, knownGeneration: null, CancellationToken.None) ?? throw new InvalidOperationException("no cursor created");
        await Eventually.UntilAsync(
            async () => await onReplica.GetDatabase().HashGetAsync(keys.Cursor(id), "gen", CommandFlags.DemandReplica),
            gen => gen == created.Generation,
            Deadline,
            gen => $"the replica to have the cursor of generation {created.Generation}; it has {gen}");
        await primary.KillAsync();
        await Eventually.UntilAsync(
            () => Task.FromResult(mux.GetServer("127.0.0.1", primary.Port).IsConnected),
            connected => !connected,
            Deadline,
            _ => "the connection to notice the primary is gone");

        var read = await Record.ExceptionAsync(async () => Describe(await store.GetAsync(id, CancellationToken.None)));

        Assert.True(
            read is RedisConnectionException && RedisFaults.IsTransient(read),
            $"with the primary gone, a cursor read must be an outage (ridden out by the retrying store until a primary answers), not a replica's answer: got {read?.Message ?? "no error"}");
    }

    private static string Describe(Outputs.WorkerCursor cursor) =>
        throw new InvalidOperationException($"the cursor was read from the replica: generation {cursor.Generation}, checkpoint {cursor.Checkpoint}");
}
