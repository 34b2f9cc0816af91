using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Overseer.Diagnostics;
using Overseer.Hosting;
using Overseer.Outputs;
using Overseer.Outputs.Redis;
using Overseer.Redis;
using Overseer.Testing;
using StackExchange.Redis;

namespace Overseer.Tests.Grains;

/// <summary>The output contract on the default output, a Redis stream with its cursor hash, against a real
/// redis-server; plus what only this output does (events kept by a delete, counts of what was removed).</summary>
public sealed class RedisStreamOutputTests : OutputContractTests
{
    private RedisServer _redis = null!;
    private ConnectionMultiplexer _mux = null!;

    private protected override async Task<OutputHarness> StartAsync()
    {
        // appendfsync always: the contract's kill-and-restart case asserts that no acknowledged commit is lost, which
        // the default everysec does not promise on a loaded machine (CI lost a whole commit that way).
        _redis = await RedisServer.StartNewAsync(["--appendfsync", "always"]);
        _mux = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        // The default durability: a write counts once the primary has it (no replica here).
        var output = new RedisStreamOutput(_mux, new RedisKeys("sink-tests"), TestReplicaAcks.Create(_mux));
        var binding = new WorkerBinding(output, null, null, ImmutableSortedDictionary<string, string>.Empty);
        return new OutputHarness(
            output,
            binding,
            async id => [.. (await output.ReadAsync(id, 1, 100_000, CancellationToken.None)).Select(e => e.Seq)],
            countsEffects: true);
    }

    private protected override async Task StopAsync()
    {
        await _mux.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private protected override async Task<long> StoreNowMsAsync()
    {
        var time = await _mux.GetServer(_mux.GetEndPoints()[0]).TimeAsync();
        return new DateTimeOffset(time, TimeSpan.Zero).ToUnixTimeMilliseconds();
    }

    private protected override async Task RestartStoreAsync()
    {
        await _redis.KillAsync();
        await _redis.StartAsync();
    }

    [Fact]
    public async Task Continue_OnAWorkerWithoutACursor_LeavesNoStreamBehind()
    {
        await _sink.ClaimAsync("nc", start: false, CancellationToken.None);

        Assert.False(await _mux.GetDatabase().KeyExistsAsync(new RedisKeys("sink-tests").Events("nc")));
    }

    [Fact]
    public async Task Create_ResetsWhatADeleteLeft_ButRefusesKeptEvents()
    {
        var cursor = await _sink.ClaimAsync("k", start: true, CancellationToken.None);
        await CommitAsync("k", Batch(cursor, 0, Range(1, 5), token: "h5"));
        await _sink.StopAsync("k", CancellationToken.None);

        var removedKept = await _sink.DeleteAsync("k", keepEvents: true, CancellationToken.None);
        var refused = await _sink.CreateAsync("k", CancellationToken.None);
        var kept = await _sink.InspectAsync("k", CancellationToken.None);
        var removed = await _sink.DeleteAsync("k", keepEvents: false, CancellationToken.None);
        var fresh = await _sink.CreateAsync("k", CancellationToken.None);

        Assert.Equal(0, removedKept);
        Assert.Null(refused);
        Assert.Equal((5L, false), kept);
        Assert.Equal(5, removed);
        Assert.Equal(new WorkerCursor(fresh!.Value.Generation, 0, null, false), fresh);
        Assert.Equal(CommitOutcome.Committed, (await CommitAsync("k", Batch(fresh!.Value, 0, Range(1, 3)))).Outcome);
        Assert.Equal(new long[] { 1, 2, 3 }, await SeqsAsync("k"));
    }
}
