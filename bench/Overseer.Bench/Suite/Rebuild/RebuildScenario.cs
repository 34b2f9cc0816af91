using System.Diagnostics;
using Erc20Indexer;
using Npgsql;
using Overseer.Bench.CrashRestart;
using Overseer.Bench.Suite.Handler;
using Overseer.Models;
using Overseer.Outputs.Postgres;
using Overseer.Testing;

namespace Overseer.Bench.Suite.Rebuild;

/// <summary><c>rebuild</c>: what following a raw worker's Redis stream buys when handler code changes. The same handler
/// (the ERC-20 sample's <see cref="Erc20Transfers"/>: a row per Transfer and the holders' balances) indexes the same
/// chain of transfers on a private anvil in two ways, interleaved: a fresh <c>evm</c> worker with the handler indexes
/// it from the node (its first index, the baseline), and a <c>stream</c> follower of a raw <c>evm</c> worker is rebuilt
/// with <c>rewind --to 0</c> (ours), re-reading Redis. Events/s from the call to the last Transfer committed, and batch
/// commit latency p50/p99.</summary>
/// <remarks>One silo hosted in the bench process (shipped settings, a private redis-server) and a private PostgreSQL;
/// a <see cref="CommitMeter"/> hears the product's own instruments (<c>overseer.events-indexed</c>,
/// <c>overseer.commit-duration</c>). Only the measured worker commits while it is measured: the raw worker is stopped
/// once it has indexed the chain (its stream stays, and a follower follows a stopped upstream), the follower is idle
/// while a first index runs, and each first-index worker is stopped after its round. The rebuild's time includes the
/// rewind itself (the rewind hook deletes the previous build's rows and takes back their balances in the transaction
/// that moves the cursor to 0). Each round checks that the worker's rows are exactly the chain's Transfers.</remarks>
internal sealed class RebuildScenario(SuiteSettings settings)
{
    private const string HandlerName = "erc20";
    private const string Actor = "bench-rebuild";
    private const int LargeBatch = 2_000;
    private static readonly TimeSpan IndexTimeout = TimeSpan.FromMinutes(5);

    public async Task<ScenarioOutput> RunAsync(CancellationToken cancellationToken)
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null, cancellationToken);
        Progress.Say($"rebuild: anvil on port {node.Port}; building {settings.RebuildBlocks} blocks of {settings.RebuildTransfersPerBlock} ERC-20 transfers");
        var chain = await TransferChain.BuildAsync(node.Rpc, settings.RebuildBlocks, settings.RebuildTransfersPerBlock, cancellationToken);
        await using var postgres = await PostgresServer.StartNewAsync(["shared_buffers=128MB"], cancellationToken);
        var database = await postgres.CreateDatabaseAsync("rebuild", cancellationToken);
        Progress.Say($"rebuild: {chain.Transfers:N0} Transfer logs of {chain.Token}, the last at seq {chain.LastSeq}; postgres on port {postgres.Port}; starting an in-process silo with the erc20 handler");
        using var meter = new CommitMeter();
        await using var silo = await InProcessSilo.StartShippedAsync(cancellationToken, o => o.AddPostgres(database).AddHandler<Erc20Transfers>(HandlerName));
        await using var watch = NpgsqlDataSource.Create(database);
        var manager = silo.Grains.GetGrain<IManagerGrain>(0);
        var fromNode = WorkerSpec.For("evm", ("rpc", node.HttpUrl), ("from", "1"), ("address", chain.Token), ("topic0", Erc20Token.TransferTopic0));
        var measure = new Measure(meter, chain, cancellationToken);

        // The raw worker indexes the node once (into its Redis stream) and is stopped; the followers' first builds and a
        // first index from the node warm up, unreported. Two followers: the stream source's default batch (500 events),
        // and one whose batches are as large as the evm worker's (its 50 blocks per eth_getLogs hold about 2,000
        // Transfers here), so that one ratio compares the sources alone.
        const string raw = "rb-raw";
        var rawRound = await measure.RunAsync($"raw evm worker '{raw}'", () => manager.StartAsync(raw, fromNode, cancellationToken));
        await manager.StopAsync(raw, cancellationToken);
        Progress.Say($"rebuild: raw evm worker into Redis: {rawRound.EventsPerSecond:N0} events/s; warm-up (the followers' first builds, a first index from the node), not reported");
        (string Id, string Batch)[] followers = [("rb-follower", "500"), ("rb-follower-2000", LargeBatch.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        foreach (var (id, batch) in followers)
        {
            var spec = WorkerSpec.For("stream", ("upstream", raw), ("batch", batch)) with { Handler = HandlerName };
            await measure.RunAsync($"follower '{id}' first build", () => manager.StartAsync(id, spec, cancellationToken));
            await CheckRowsAsync(watch, id, chain, cancellationToken);
        }

        await FirstIndexAsync("rb-node-w");

        var (rebuilds, large, firsts) = (new List<RebuildRound>(), new List<RebuildRound>(), new List<RebuildRound>());
        for (var r = 1; r <= settings.Repetitions; r++)
        {
            async Task RebuildAsync(string id, List<RebuildRound> into)
            {
                into.Add(await measure.RunAsync($"rebuild {r} of '{id}' (rewind --to 0)", () => manager.RewindAsync(id, 0, Actor, cancellationToken)));
                await CheckRowsAsync(watch, id, chain, cancellationToken);
            }

            if (r % 2 == 1)
            {
                firsts.Add(await FirstIndexAsync($"rb-node-{r}"));
                await RebuildAsync(followers[0].Id, rebuilds);
                await RebuildAsync(followers[1].Id, large);
            }
            else
            {
                await RebuildAsync(followers[1].Id, large);
                await RebuildAsync(followers[0].Id, rebuilds);
                firsts.Add(await FirstIndexAsync($"rb-node-{r}"));
            }

            var (o, l, b) = (rebuilds[^1], large[^1], firsts[^1]);
            Progress.Say($"rebuild {r}/{settings.Repetitions}: from stream {o.EventsPerSecond:N0}/s in {o.Elapsed.TotalSeconds:0.00} s (p50 {o.Latency.P50:0.0} ms p99 {o.Latency.P99:0.0} ms, {o.Commits} commits), "
                + $"batch {LargeBatch} {l.EventsPerSecond:N0}/s in {l.Elapsed.TotalSeconds:0.00} s ({l.Commits} commits); "
                + $"first index from the node {b.EventsPerSecond:N0}/s in {b.Elapsed.TotalSeconds:0.00} s (p50 {b.Latency.P50:0.0} ms p99 {b.Latency.P99:0.0} ms, {b.Commits} commits)");
        }

        var shape = $"{chain.Transfers:N0} ERC-20 Transfers in {settings.RebuildBlocks:N0} blocks, the sample's erc20 handler into PostgreSQL";
        var baseline = "the same handler's first index of the same chain from the node (a fresh evm worker, logs mode, default batch)";
        Figure Rate(string name, List<RebuildRound> ours) => new()
        {
            Scenario = "rebuild",
            Name = name,
            Unit = "/s",
            Baseline = baseline,
            HigherIsBetter = true,
            Ours = [.. ours.Select(o => o.EventsPerSecond)],
            BaselineValues = [.. firsts.Select(b => b.EventsPerSecond)],
        };
        var notes = new List<string>
        {
            $"rebuild: the time of an index runs from the call (start of a fresh evm worker; rewind of a follower, which deletes the previous build's rows) to the last Transfer committed; "
                + $"the rewind call itself took {Summary.Of([.. rebuilds.Concat(large).Select(o => o.Call.TotalMilliseconds)]).Median:0} ms (median). "
                + $"Events per commit on average: the evm source's default 50 blocks per eth_getLogs {Mean(firsts):N0}, the stream source's default 500 events {Mean(rebuilds):N0}, batch={LargeBatch} {Mean(large):N0}. "
                + $"The raw evm worker indexed the node into Redis at {rawRound.EventsPerSecond:N0} events/s, once, before the rounds. The node is a local anvil: "
                + "a remote or rate-limited node makes the first index slower, never the rebuild, which does not ask it.",
        };
        return new ScenarioOutput(
            [
                Rate($"events/s of a rebuild from a raw worker's stream (rewind --to 0 of a stream follower, default batch 500; {shape})", rebuilds),
                Rate($"events/s of the same rebuild with batch={LargeBatch} (about the evm worker's events per commit: the sources compared alone)", large),
                Latency("p50", baseline, rebuilds.Select(o => o.Latency.P50), firsts.Select(b => b.Latency.P50)),
                Latency("p99", baseline, rebuilds.Select(o => o.Latency.P99), firsts.Select(b => b.Latency.P99)),
            ],
            [],
            notes);

        async Task<RebuildRound> FirstIndexAsync(string id)
        {
            var round = await measure.RunAsync($"first index of '{id}' from the node", () => manager.StartAsync(id, fromNode with { Handler = HandlerName }, cancellationToken));
            await manager.StopAsync(id, cancellationToken);
            await CheckRowsAsync(watch, id, chain, cancellationToken);
            return round;
        }
    }

    private static double Mean(List<RebuildRound> rounds) => rounds.Sum(r => r.Events) / (double)rounds.Sum(r => r.Commits);

    private static Figure Latency(string percentile, string baseline, IEnumerable<double> rebuilds, IEnumerable<double> firsts) => new()
    {
        Scenario = "rebuild",
        Name = $"commit latency {percentile} of a rebuild's batches (default batch; overseer.commit-duration: connection, fence, handler, COMMIT)",
        Unit = "ms",
        Baseline = baseline,
        HigherIsBetter = false,
        Ours = [.. rebuilds],
        BaselineValues = [.. firsts],
    };

    /// <summary>Exactly once, checked: the worker's checkpoint is the last Transfer's seq and it has one row per Transfer.</summary>
    private static async Task CheckRowsAsync(NpgsqlDataSource watch, string worker, TransferChain chain, CancellationToken cancellationToken)
    {
        await using var check = watch.CreateCommand(
            $"SELECT (SELECT checkpoint FROM {PostgresSchema.CursorTable} WHERE worker = $1), (SELECT count(*) FROM transfers WHERE worker = $1)");
        check.Parameters.Add(new NpgsqlParameter<string> { TypedValue = worker });
        await using var reader = await check.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (checkpoint, rows) = (reader.IsDBNull(0) ? 0 : reader.GetInt64(0), reader.GetInt64(1));
        if (checkpoint != chain.LastSeq || rows != chain.Transfers)
        {
            throw new BenchFailedException($"rebuild: worker '{worker}' is at checkpoint {checkpoint} with {rows:N0} rows; expected checkpoint {chain.LastSeq} (the last Transfer) and {chain.Transfers:N0} rows, one per Transfer");
        }
    }

    /// <summary>One index of the whole chain, from 0: timed from just before <c>call</c> until the commits heard through
    /// the product's instruments have counted every Transfer committed (polled every 2 ms).</summary>
    /// <remarks><c>overseer.events-indexed</c> adds each commit's events; the chain's Transfers are the whole chain
    /// indexed, which the round's row check confirms (one row each); more than that fails the round.</remarks>
    private sealed class Measure(CommitMeter meter, TransferChain chain, CancellationToken cancellationToken)
    {
        public async Task<RebuildRound> RunAsync(string what, Func<Task> call)
        {
            meter.Begin();
            var clock = Stopwatch.StartNew();
            await call();
            var called = clock.Elapsed;
            while (meter.Events < chain.Transfers)
            {
                if (clock.Elapsed > IndexTimeout)
                {
                    throw new BenchFailedException($"rebuild: {what}: expected {chain.Transfers} Transfers committed within {IndexTimeout.TotalMinutes:0} min; {meter.Events} were");
                }

                await Task.Delay(2, cancellationToken);
            }

            var elapsed = clock.Elapsed;
            var (events, durations) = meter.End();
            if (events != chain.Transfers)
            {
                throw new BenchFailedException($"rebuild: {what}: {events} events committed, expected exactly the chain's {chain.Transfers} Transfers");
            }

            return new RebuildRound(chain.Transfers, elapsed, called, LatencyStats.Of(durations), durations.Count);
        }
    }
}
