using Overseer.Models;
using Overseer.Outputs;
using Overseer.Redis;
using Overseer.Testing;
using StackExchange.Redis;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>Redis loses acknowledged commits (with <c>appendfsync everysec</c> a restart can lose the last second or
/// two: Redis answers before its postponed write reaches the file). The cursor and the stream go back together, since a
/// batch and its checkpoint are one script; the worker must notice that the store is behind it and go on from the
/// store, re-indexing what was lost, instead of crash-looping on a checkpoint it remembers but Redis no longer has. And
/// the other way round: a store that holds commits the worker does not know of (two nodes took writes during a Sentinel
/// failover whose election was retried) is the truth too.</summary>
[Collection(ClusterCollection.Name)]
public sealed class StoreLossTests(OverseerCluster fixture)
{
    // What Redis holds after losing the commits past `to`: those events gone from the stream, its last id and the
    // cursor's checkpoint back at `to` (as an AOF replayed up to that commit leaves them). Atomic against the worker.
    private const string LoseScript = """
        local cp = tonumber(redis.call('HGET', KEYS[1], 'cp'))
        local to = cp - tonumber(ARGV[1])
        local lost = redis.call('XRANGE', KEYS[2], (to + 1) .. '-0', '+')
        for i = 1, #lost do redis.call('XDEL', KEYS[2], lost[i][1]) end
        redis.call('XSETID', KEYS[2], to .. '-0')
        redis.call('HSET', KEYS[1], 'cp', to)
        return {cp, to}
        """;

    // What a store holds when it took commits the worker does not know of: the next `n` events (ARGV[seq] is seq's
    // payload) after the stored checkpoint, and the checkpoint past them, as one commit of the worker's would have
    // written them. Atomic against the worker.
    private const string GainScript = """
        local cp = tonumber(redis.call('HGET', KEYS[1], 'cp'))
        local to = cp + tonumber(ARGV[1])
        for seq = cp + 1, to do redis.call('XADD', KEYS[2], seq .. '-0', 'p', ARGV[seq + 1]) end
        redis.call('HSET', KEYS[1], 'cp', to)
        return {cp, to}
        """;

    private const long Limit = 400;

    [Fact]
    public async Task StoreHoldsCommitsTheWorkerDoesNotKnowOf_TheWorkerGoesOnFromTheStore_NoRestartCounted_ExactlyOnce()
    {
        var id = await WorkerPast100Async("store-gain", "the store gains commits");
        RedisValue[] args = [30, .. Enumerable.Range(1, (int)Limit).Select(seq => (RedisValue)Sources.Sequence.SequenceSource.Payload(id, seq))];
        var r = await ScriptAsync(GainScript, id, args);
        Assert.True(r[1] == r[0] + 30 && r[1] < Limit, $"the store was to gain 30 commits ahead of worker '{id}' before its end, but it went from {r[0]} to {r[1]}");

        await AssertCompletedExactlyOnceUnrestartedAsync(id, "the store's commits ahead of the worker");
    }

    [Fact]
    public async Task StoreLosesTheLastCommits_TheWorkerGoesOnFromTheStore_NoRestartCounted_ExactlyOnce()
    {
        var id = await WorkerPast100Async("store-loss", "the loss");
        var r = await ScriptAsync(LoseScript, id, [30]);
        Assert.Equal(r[0] - 30, r[1]);

        await AssertCompletedExactlyOnceUnrestartedAsync(id, "the store's loss");
    }

    /// <summary>A new worker of <see cref="Limit"/> events, once it has committed 100 of them.</summary>
    private async Task<string> WorkerPast100Async(string prefix, string before)
    {
        var id = $"{prefix}-{Guid.NewGuid():N}";
        await fixture.Manager.StartAsync(id, WorkerSpec.For("sequence", ("limit", $"{Limit}"), ("batch", "10"), ("delayMs", "20")));
        await Eventually.UntilAsync(
            () => fixture.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync(),
            i => i.Checkpoint >= 100,
            Deadline,
            i => $"worker '{id}' past checkpoint 100 before {before}; it is {i.Status} at {i.Checkpoint}");
        return id;
    }

    private async Task<long[]> ScriptAsync(string script, string id, RedisValue[] args)
    {
        var keys = new RedisKeys(fixture.ServiceId);
        return (long[])(await fixture.Mux.GetDatabase().ScriptEvaluateAsync(script, [keys.Cursor(id), keys.Events(id)], args))!;
    }

    private async Task AssertCompletedExactlyOnceUnrestartedAsync(string id, string what)
    {
        var done = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);
        Assert.True(done.Restarts == 0, $"{what} counted as {done.Restarts} restarts of worker '{id}' (last error '{done.LastError}'); it is not the worker's crash");
        Assert.Equal(Limit, done.Checkpoint);
        await AssertExactlyOnceAsync(fixture.Client, id, Limit);
    }
}
