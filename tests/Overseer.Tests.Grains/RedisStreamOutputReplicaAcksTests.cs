using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using System.Globalization;
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

/// <summary>The output contract again with <c>Overseer:Redis:MinReplicaAcks</c> 1, on a real primary with one real
/// replica: every write (claim, commit, stop, rewind, delete) also waits for the replica and the contract still holds;
/// plus what the mode adds — a commit the replica does not acknowledge does not count, and its retry counts once it
/// does, without writing twice.</summary>
public sealed class RedisStreamOutputReplicaAcksTests : OutputContractTests
{
    private static readonly TimeSpan SyncDeadline = TimeSpan.FromSeconds(20);

    // Long enough that a live replica on a loaded machine always answers in time: the contract cases call the output
    // without the retry, so a shortfall there would fail them.
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(2);

    private RedisServer _primary = null!;
    private RedisServer _replica = null!;
    private ConnectionMultiplexer _mux = null!;
    private ReplicaAcks _acks = null!;
    private RedisStreamOutput _output = null!;

    private protected override async Task<OutputHarness> StartAsync()
    {
        // A replica's first sync starts at once instead of after the primary's default 5 s wait for more replicas.
        _primary = await RedisServer.StartNewAsync(["--appendfsync", "always", "--repl-diskless-sync-delay", "0"]);
        _replica = await RedisServer.StartNewAsync(["--replicaof", "127.0.0.1", _primary.Port.ToString(CultureInfo.InvariantCulture)]);
        _mux = await ConnectionMultiplexer.ConnectAsync(_primary.ConnectionString + ",allowAdmin=true"); // INFO replication below
        await Eventually.UntilAsync(
            async () => await _mux.GetServer(_mux.GetEndPoints()[0]).InfoRawAsync("replication") ?? "",
            info => info.Contains("connected_slaves:1", StringComparison.Ordinal) && info.Contains("state=online", StringComparison.Ordinal),
            SyncDeadline,
            info => $"replica {_replica.Port} to be online on primary {_primary.Port}; INFO replication: {info}");
        _acks = TestReplicaAcks.Create(_mux, new RedisDurabilityOptions { MinReplicaAcks = 1, ReplicaAckTimeout = AckTimeout });
        _output = new RedisStreamOutput(_mux, new RedisKeys("sink-acks-tests"), _acks);
        var binding = new WorkerBinding(_output, null, null, ImmutableSortedDictionary<string, string>.Empty);
        return new OutputHarness(
            _output,
            binding,
            async id => [.. (await _output.ReadAsync(id, 1, 100_000, CancellationToken.None)).Select(e => e.Seq)],
            countsEffects: true);
    }

    private protected override async Task StopAsync()
    {
        _replica.Resume();
        await _acks.DisposeAsync();
        await _mux.DisposeAsync();
        await _replica.DisposeAsync();
        await _primary.DisposeAsync();
    }

    private protected override async Task<long> StoreNowMsAsync()
    {
        var time = await _mux.GetServer(_mux.GetEndPoints()[0]).TimeAsync();
        return new DateTimeOffset(time, TimeSpan.Zero).ToUnixTimeMilliseconds();
    }

    private protected override async Task RestartStoreAsync()
    {
        await _primary.KillAsync();
        await _primary.StartAsync();
    }

    [Fact]
    public async Task Commit_TheReplicaDoesNotAcknowledge_DoesNotCount_AndItsRetryCountsOnceItDoes_WithoutWritingTwice()
    {
        var cursor = await _sink.ClaimAsync("r", start: true, CancellationToken.None);
        await CommitAsync("r", Batch(cursor, 0, Range(1, 10)));
        var batch = Batch(cursor, 10, Range(11, 20));

        _replica.Pause();
        var shortfall = await Record.ExceptionAsync(() => CommitAsync("r", batch));
        var onPrimary = (long)await _mux.GetDatabase().HashGetAsync(new RedisKeys("sink-acks-tests").Cursor("r"), "cp");
        _replica.Resume();
        var retried = await CommitAsync("r", batch);
        var seqs = await SeqsAsync("r");

        Assert.True(shortfall is ReplicaAcksMissingException, $"a commit no replica acknowledged should fail with {nameof(ReplicaAcksMissingException)}; it gave {shortfall?.GetType().Name ?? "no exception"}: {shortfall?.Message}");
        Assert.True(StoreFaults.IsTransient(shortfall!), "a WAIT shortfall must be an outage (retried), never a crash");
        Assert.Equal(20, onPrimary);
        Assert.Equal(new CommitResult(CommitOutcome.Committed, 20), retried);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i).ToArray(), seqs);
    }

    [Fact]
    public async Task ConcurrentCommits_ShareTheirWaits_EachStillCountingOnlyOnceTheReplicaHasIt()
    {
        const int workers = 50;
        var ids = Enumerable.Range(0, workers).Select(i => $"c{i}").ToArray();
        var cursors = await Task.WhenAll(ids.Select(id => _sink.ClaimAsync(id, start: true, CancellationToken.None)));
        var before = await WaitCallsAsync();

        var results = await Task.WhenAll(ids.Select((id, i) => CommitAsync(id, Batch(cursors[i], 0, Range(1, 10)))));
        var waits = await WaitCallsAsync() - before;

        Assert.All(results, r => Assert.Equal(new CommitResult(CommitOutcome.Committed, 10), r));
        Assert.True(waits < workers, $"{workers} concurrent commits sent {waits} WAITs: one each, none shared (ReplicaWait coalesces the ones that arrive while one is in flight)");
    }

    /// <summary>How many WAITs the primary has served (INFO commandstats).</summary>
    private async Task<long> WaitCallsAsync()
    {
        var stats = await _mux.GetServer(_mux.GetEndPoints()[0]).InfoRawAsync("commandstats") ?? "";
        var line = stats.Split('\n').FirstOrDefault(l => l.StartsWith("cmdstat_wait:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split("calls=")[1].Split(',')[0], CultureInfo.InvariantCulture);
    }
}
