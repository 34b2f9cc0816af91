using Overseer.Sinks;
using Overseer.Sources;
using Overseer.Testing;
using StackExchange.Redis;

namespace Overseer.Tests.Grains;

/// <summary>The atomic, fenced commit against a real redis-server.</summary>
public sealed class RedisEventSinkTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private ConnectionMultiplexer _mux = null!;
    private RedisEventSink _sink = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartNewAsync();
        _mux = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        _sink = new RedisEventSink(_mux, new RedisKeys("sink-tests"));
    }

    public async Task DisposeAsync()
    {
        await _mux.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private static SourceEvent[] Events(long from, long to) =>
        [.. Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => new SourceEvent(i, $"p{i}"))];

    [Fact]
    public async Task Commit_FromAStaleGeneration_IsFenced_AndWritesNothing()
    {
        var stale = await _sink.ClaimAsync("w", CancellationToken.None);
        await _sink.CommitAsync("w", stale.Generation, 0, Events(1, 3), CancellationToken.None);
        var fresh = await _sink.ClaimAsync("w", CancellationToken.None);

        var fenced = await _sink.CommitAsync("w", stale.Generation, 3, Events(4, 6), CancellationToken.None);
        var committed = await _sink.CommitAsync("w", fresh.Generation, 3, Events(4, 5), CancellationToken.None);

        Assert.Equal(3, fresh.Checkpoint);
        Assert.Equal(CommitOutcome.Fenced, fenced.Outcome);
        Assert.Equal(CommitOutcome.Committed, committed.Outcome);
        Assert.Equal(5, committed.Checkpoint);
        Assert.Equal([1L, 2, 3, 4, 5], (await _sink.ReadAsync("w", 1, 100, CancellationToken.None)).Select(e => e.Seq));
    }

    [Fact]
    public async Task Commit_RetriedAfterALostReply_DoesNotWriteTwice()
    {
        var cursor = await _sink.ClaimAsync("r", CancellationToken.None);
        await _sink.CommitAsync("r", cursor.Generation, 0, Events(1, 4), CancellationToken.None);

        var retry = await _sink.CommitAsync("r", cursor.Generation, 0, Events(1, 4), CancellationToken.None);

        Assert.Equal(CommitOutcome.Committed, retry.Outcome);
        Assert.Equal(4, retry.Checkpoint);
        Assert.Equal(4, (await _sink.ReadAsync("r", 1, 100, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Commit_SurvivesARedisRestart_WithAppendOnlyFile()
    {
        var cursor = await _sink.ClaimAsync("d", CancellationToken.None);
        await _sink.CommitAsync("d", cursor.Generation, 0, Events(1, 10), CancellationToken.None);

        await _redis.KillAsync();
        await _redis.StartAsync();
        var checkpoint = await Eventually.UntilAsync(
            async () => { try { return await _sink.GetCheckpointAsync("d", CancellationToken.None); } catch (RedisException) { return -1; } },
            cp => cp >= 0,
            TimeSpan.FromSeconds(20),
            cp => $"Redis to answer after restart (checkpoint {cp})");

        Assert.Equal(10, checkpoint);
        Assert.Equal(10, (await _sink.ReadAsync("d", 1, 100, CancellationToken.None)).Count);
    }
}
