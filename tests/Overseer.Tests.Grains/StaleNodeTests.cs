using System.Collections.Immutable;
using System.Globalization;
using Overseer.Outputs;
using Overseer.Outputs.Redis;
using Overseer.Redis;
using Overseer.Sources;
using Overseer.Testing;
using StackExchange.Redis;

namespace Overseer.Tests.Grains;

/// <summary>A node the connection still takes for the primary but which has become a replica, behind the primary: what
/// the worker's scripts read there decides nothing. Each is refused (<c>READONLY</c>, an outage the retrying store rides
/// out) instead of answered from the stale data.</summary>
/// <remarks>Found in a Sentinel failover (<c>StoreFailoverTests.SentinelPrimaryKilled_…</c> failed on main): while
/// StackExchange.Redis still sent "primary" commands to a replica that lagged, a worker's commit ran there, found the
/// checkpoint behind and answered "the store lost commits" without writing; the worker went back to the replica's
/// checkpoint, and crashed on "checkpoint moved" once the real primary (two batches ahead) answered. The node here is
/// made a replica of a primary that is not there (<c>REPLICAOF</c> a closed port), so it keeps what it had and serves it
/// as stale data, while the connection, told nothing, still sends it the primary's commands.</remarks>
public sealed class StaleNodeTests : IAsyncLifetime
{
    private const string Id = "w";

    private readonly RedisKeys _keys = new($"stale-node-{Guid.NewGuid():N}");
    private RedisServer _node = null!;
    private ConnectionMultiplexer _mux = null!;

    /// <summary>The operator's connection, which turns the node into a replica without the worker's connection hearing of it
    /// (a raw <c>REPLICAOF</c>, not StackExchange.Redis' <c>ReplicaOfAsync</c>, which would broadcast the change).</summary>
    private ConnectionMultiplexer _admin = null!;
    private RedisStreamOutput _output = null!;
    private WorkerCursor _cursor;

    public async Task InitializeAsync()
    {
        _node = await RedisServer.StartNewAsync();
        _mux = await ConnectionMultiplexer.ConnectAsync($"{_node.ConnectionString},abortConnect=false,configCheckSeconds=3600");
        _admin = await ConnectionMultiplexer.ConnectAsync($"{_node.ConnectionString},allowAdmin=true");
        _output = new RedisStreamOutput(_mux, _keys, TestReplicaAcks.Create(_mux));

        // The worker commits 10 events while the node is the primary: checkpoint 10.
        _cursor = await _output.Cursors.CreateAsync(Id, knownGeneration: null, CancellationToken.None) ?? throw new InvalidOperationException("no cursor created");
        var first = await _output.CommitAsync(Id, Batch(expected: 0, from: 1), CancellationToken.None);
        Assert.Equal((CommitOutcome.Committed, 10L), (first.Outcome, first.Checkpoint));
    }

    /// <summary>The node becomes a replica of a primary that is gone: it keeps what it has (checkpoint 10; the real primary,
    /// wherever it is, has more), and the worker's connection is not told.</summary>
    private Task BecomeStaleAsync() =>
        _admin.GetDatabase().ExecuteAsync("REPLICAOF", "127.0.0.1", FreePort().ToString(CultureInfo.InvariantCulture));

    public async Task DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _mux.DisposeAsync();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task Commit_OnAStaleReplica_IsAnOutage_NotTheStoreBehind()
    {
        // The worker committed up to 20 on the real primary; its next batch expects 20. On main the stale node answered
        // StoreBehind at 10, and the worker went back there.
        await BecomeStaleAsync();
        var commit = await Record.ExceptionAsync(async () =>
        {
            var result = await _output.CommitAsync(Id, Batch(expected: 20, from: 21), CancellationToken.None);
            throw new InvalidOperationException($"the stale node answered the commit: {result.Outcome} at {result.Checkpoint}");
        });

        AssertRefused(commit, "a commit");
    }

    [Fact]
    public async Task CursorRead_OnAStaleReplica_IsAnOutage_NotItsCheckpoint()
    {
        await BecomeStaleAsync();
        var read = await Record.ExceptionAsync(async () =>
        {
            var cursor = await _output.Cursors.GetAsync(Id, CancellationToken.None);
            throw new InvalidOperationException($"the stale node answered the cursor read: checkpoint {cursor.Checkpoint}, generation {cursor.Generation}");
        });

        AssertRefused(read, "a cursor read");
    }

    [Fact]
    public async Task Claim_OfAStoppedWorkerOnAStaleReplica_IsAnOutage_NotStopped()
    {
        // The stale node saw a stop the primary has since cleared (a start): a claim there must not report it stopped.
        await _output.Cursors.StopAsync(Id, knownGeneration: null, CancellationToken.None);
        await BecomeStaleAsync();

        var claim = await Record.ExceptionAsync(async () =>
        {
            var cursor = await _output.Cursors.ClaimAsync(Id, start: false, CancellationToken.None);
            throw new InvalidOperationException($"the stale node answered the claim: stopped {cursor.Stopped}, generation {cursor.Generation}");
        });

        AssertRefused(claim, "a claim");
    }

    private static void AssertRefused(Exception? error, string what) =>
        Assert.True(
            error is RedisServerException { Kind: RedisErrorKind.ReadOnly } && RedisFaults.IsTransient(error),
            $"{what} on a replica that may be behind must be refused there (READONLY, ridden out until the primary answers), "
            + $"not answered from its data: got {error?.GetType().Name}: {error?.Message ?? "no error"}");

    private CommitBatch Batch(long expected, long from) =>
        new(_cursor.Generation, expected, [.. Enumerable.Range(0, 10).Select(i => new SourceEvent(from + i, $"e{from + i}"))], SequenceDensity.Dense,
            $"t{from + 9}", 0, new WorkerBinding(_output, null, null, ImmutableSortedDictionary<string, string>.Empty));

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
