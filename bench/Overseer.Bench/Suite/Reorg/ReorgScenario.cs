using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Overseer.Bench.CrashRestart;
using Overseer.Bench.Suite.Handler;
using Overseer.Models;
using Overseer.Testing;

namespace Overseer.Bench.Suite.Reorg;

/// <summary><c>reorg</c> (issue 19's benchmark): what indexing at the head with a reorg journal costs, and how long a
/// 10-block rollback takes. Against a private anvil that mines only on demand, with one silo hosted in the bench process
/// (shipped settings, a private redis-server, and a private PostgreSQL for the handler's case):
/// <list type="bullet">
/// <item><b>At the head.</b> N <c>evm</c> workers in blocks mode with <c>confirmations=0</c> and the default finality
/// (the node's <c>finalized</c> tag, head − 64 on anvil: about 64 journal entries in every token) against N workers with
/// <c>confirmations=2</c> and <c>finality=0</c> (every indexed block final: the journal is one anchor), interleaved, one
/// side running at a time. Both poll every 10 ms with <c>batch=1</c>, so each block is a commit of its own, as at the head
/// of a real chain. While a window lasts the bench mines the next block whenever the workers together have committed all
/// but <see cref="Lead"/> blocks each of what was mined: the chain grows as fast as the workers index it, and they stay at
/// its head. Blocks/s committed, commit latency p50/p99 (<c>overseer.commit-duration</c>) and the token's size.</item>
/// <item><b>A 10-block rollback.</b> One worker at the head (<c>confirmations=0</c>, default finality and batch, 10 ms
/// polls): the newest 10 blocks are replaced (<c>anvil_reorg</c>; the head's number does not change, so the worker
/// cannot see it yet) and then one block is mined on the new branch: the time from that mining call to the worker's last
/// block committed (it sees the new block's parent differ, finds the common ancestor in its journal, rolls back to it in
/// one fenced script, and indexes the 11 blocks of the new branch). Its baseline is the same worker's ordinary step at
/// the head, timed the same way: one block mined without a reorg, to that block committed. The difference is what a
/// rollback adds to the block that reveals it.</item>
/// </list>
/// Both measurements are made twice, once per output (<see cref="IReorgOutput"/>): the Redis stream output (raw
/// events), then a PostgreSQL handler on a private PostgreSQL (<see cref="JournaledBlocksHandler"/>, whose declared
/// tables Overseer journals by trigger and undoes in the rollback's transaction; its baseline at the head is
/// <see cref="PlainBlocksHandler"/>, the same statement on tables it does not declare).</summary>
/// <remarks>Completion is heard through the product's own instruments (<see cref="CommitMeter"/>: the blocks counted by
/// <c>overseer.events-indexed</c>), polled every millisecond; the checks (the worker's reorg count, checkpoint and
/// restarts; its stream, or its handler's rows, equal to the node's chain) are made outside the timed spans.</remarks>
internal sealed class ReorgScenario(SuiteSettings settings)
{
    /// <summary>How far the chain may run ahead of the workers' average during a window.</summary>
    private const int Lead = 4;

    /// <summary>Blocks the workers start below the head: as many as the journal holds at the default finality on anvil.</summary>
    private const int Backfill = 63;

    private const int Depth = 10;
    private const int InFlight = 100;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public async Task<ScenarioOutput> RunAsync(CancellationToken cancellationToken)
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null, cancellationToken);
        await node.Rpc.MineAsync(100, cancellationToken);
        await using var postgres = await PostgresServer.StartNewAsync(["shared_buffers=128MB"], cancellationToken);
        var database = await postgres.CreateDatabaseAsync("reorg", cancellationToken);
        await using var rows = NpgsqlDataSource.Create(database);
        Progress.Say($"reorg: anvil on port {node.Port} (100 blocks), postgres on port {postgres.Port}; starting an in-process silo");
        using var meter = new CommitMeter();
        await using var silo = await InProcessSilo.StartShippedAsync(
            cancellationToken,
            o => o.AddPostgres(database).AddHandler<JournaledBlocksHandler>(JournaledBlocksHandler.Name).AddHandler<PlainBlocksHandler>(PlainBlocksHandler.Name));
        var redis = await MeasureAsync(new RedisReorgOutput(silo, node.Rpc), node.Rpc, silo, meter, cancellationToken);
        var handler = await MeasureAsync(new PostgresReorgOutput(rows, node.Rpc), node.Rpc, silo, meter, cancellationToken);
        var redisOutput = Output(redis);
        var handlerOutput = Output(handler);
        return new ScenarioOutput([.. redisOutput.Figures, .. handlerOutput.Figures], [], [.. redisOutput.Notes, .. handlerOutput.Notes]);
    }

    /// <summary>Both measurements for one output: its windows at the head (journal against baseline, interleaved), then
    /// its rollbacks (against ordinary blocks, interleaved); every worker stopped after.</summary>
    private async Task<OutputRuns> MeasureAsync(IReorgOutput output, EvmRpc rpc, InProcessSilo silo, CommitMeter meter, CancellationToken cancellationToken)
    {
        var p = output.IdPrefix;
        var what = $"reorg{(p == "r" ? "" : $" ({output.FigurePrefix.TrimEnd(' ', ':')})")}";
        var manager = silo.Grains.GetGrain<IManagerGrain>(0);
        var head = new Head(rpc, silo, output, meter, settings.ReorgWorkers, cancellationToken);

        Progress.Say($"{what}: warm-up (one short window of each side), not reported");
        await head.RoundAsync($"{p}j0-", journaled: true, TimeSpan.FromSeconds(0.5));
        await head.RoundAsync($"{p}p0-", journaled: false, TimeSpan.FromSeconds(0.5));
        var (journaled, plain) = (new List<HeadRound>(), new List<HeadRound>());
        for (var r = 1; r <= settings.Repetitions; r++)
        {
            Task<HeadRound> Ours() => head.RoundAsync($"{p}j{r}-", journaled: true, settings.EventWindow);
            Task<HeadRound> Theirs() => head.RoundAsync($"{p}p{r}-", journaled: false, settings.EventWindow);
            if (r % 2 == 1)
            {
                plain.Add(await Theirs());
                journaled.Add(await Ours());
            }
            else
            {
                journaled.Add(await Ours());
                plain.Add(await Theirs());
            }

            var (j, b) = (journaled[^1], plain[^1]);
            Progress.Say($"{what} head {r}/{settings.Repetitions}: confirmations=0 + journal {j.BlocksPerSecond:N0} blocks/s p50 {j.Latency.P50:0.00} ms p99 {j.Latency.P99:0.00} ms token {j.TokenBytes:N0} B ({j.JournalEntries:0} entries), lag {j.Lag}; "
                + $"confirmations=2 finality=0 {b.BlocksPerSecond:N0} blocks/s p50 {b.Latency.P50:0.00} ms p99 {b.Latency.P99:0.00} ms token {b.TokenBytes:N0} B, lag {b.Lag}");
        }

        var rollbackId = $"{p}g-roll";
        using var steps = new HeadStepListener(rollbackId);
        var rollback = new Rollback(rpc, silo, output, manager, meter, steps, cancellationToken);
        await rollback.StartAsync(rollbackId);
        Progress.Say($"{what}: rollback worker at the head; warm-up (one {Depth}-block reorg, one new block), not reported");
        await rollback.ReorgAsync();
        await rollback.AdvanceAsync();
        var (reorgs, advances) = (new List<(LatencyStats Elapsed, LatencyStats Worker)>(), new List<(LatencyStats Elapsed, LatencyStats Worker)>());
        var (reorgCommits, advanceCommits) = (0, 0);
        for (var r = 1; r <= settings.Repetitions; r++)
        {
            async Task<(LatencyStats Elapsed, LatencyStats Worker)> Samples(Func<Task<RollbackSample>> sample, Action<int> commits)
            {
                var samples = new List<RollbackSample>();
                for (var s = 0; s < settings.ReorgRollbacks; s++)
                {
                    samples.Add(await sample());
                }

                commits(samples.Sum(x => x.Commits));
                return (LatencyStats.Of(samples.Select(x => x.Elapsed.TotalMilliseconds)), LatencyStats.Of(samples.Select(x => x.WorkerMs)));
            }

            Task<(LatencyStats Elapsed, LatencyStats Worker)> Ours() => Samples(rollback.ReorgAsync, c => reorgCommits += c);
            Task<(LatencyStats Elapsed, LatencyStats Worker)> Theirs() => Samples(rollback.AdvanceAsync, c => advanceCommits += c);
            if (r % 2 == 1)
            {
                advances.Add(await Theirs());
                reorgs.Add(await Ours());
            }
            else
            {
                reorgs.Add(await Ours());
                advances.Add(await Theirs());
            }

            var (o, b) = (reorgs[^1], advances[^1]);
            Progress.Say($"{what} rollback {r}/{settings.Repetitions}: {Depth}-block reorg → new branch indexed p50 {o.Elapsed.P50:0.0} ms p99 {o.Elapsed.P99:0.0} ms (worker's own p50 {o.Worker.P50:0.0} ms p99 {o.Worker.P99:0.0} ms); "
                + $"one new block indexed p50 {b.Elapsed.P50:0.0} ms p99 {b.Elapsed.P99:0.0} ms (worker's own p50 {b.Worker.P50:0.0} ms p99 {b.Worker.P99:0.0} ms) ({settings.ReorgRollbacks} each)");
        }

        await rollback.CheckStreamAsync();
        await manager.StopAsync(rollback.Id, cancellationToken);
        return new OutputRuns(output, journaled, plain, reorgs, advances, reorgCommits, advanceCommits, rollback.Reorgs, rollback.ReorgCalls);
    }

    private ScenarioOutput Output(OutputRuns runs)
    {
        var (output, journaled, plain, reorgs, advances) = (runs.Output, runs.Journaled, runs.Plain, runs.Reorgs, runs.Advances);
        var redis = output is RedisReorgOutput;
        var prefix = output.FigurePrefix;
        var n = settings.ReorgWorkers;
        var headBaseline = redis
            ? $"{n:N0} workers at confirmations=2 with finality=0 (no journal: the token is the block hash and one anchor), same chain"
            : $"{n:N0} workers at confirmations=2 with finality=0 and the same statement on tables the handler does not declare (no journal, no trigger), same chain";
        Figure Head(string name, string unit, bool higher, Func<HeadRound, double> value) => new()
        {
            Scenario = "reorg",
            Name = prefix + name,
            Unit = unit,
            Baseline = headBaseline,
            HigherIsBetter = higher,
            Ours = [.. journaled.Select(value)],
            BaselineValues = [.. plain.Select(value)],
        };
        var undo = redis ? "one fenced rollback script" : "one fenced rollback transaction: the journaled rows undone, the cursor moved back";
        var rollbackBaseline = "the same worker's ordinary step at the head: one block mined without a reorg → that block committed";
        Figure Rollback(string percentile, Func<LatencyStats, double> value) => new()
        {
            Scenario = "reorg",
            Name = $"{prefix}{Depth}-block rollback {percentile}: the block that reveals a {Depth}-block reorg mined → the {Depth + 1} blocks of the new branch committed (one worker at the head, "
                + $"confirmations=0, 10 ms polls; fork found, {undo}, re-index)",
            Unit = "ms",
            Baseline = rollbackBaseline,
            HigherIsBetter = false,
            Ours = [.. reorgs.Select(s => value(s.Elapsed))],
            BaselineValues = [.. advances.Select(s => value(s.Elapsed))],
        };
        Figure Own(string percentile, Func<LatencyStats, double> value) => new()
        {
            Scenario = "reorg",
            Name = $"{prefix}{Depth}-block rollback {percentile}, the worker's own share (its spans): the fetch that finds the fork → the new branch committed ({(redis ? "rollback script" : "rollback transaction")}, fetch of {Depth + 1} blocks, commit)",
            Unit = "ms",
            Baseline = "the same for the ordinary block: its fetch → its commit",
            HigherIsBetter = false,
            Ours = [.. reorgs.Select(s => value(s.Worker))],
            BaselineValues = [.. advances.Select(s => value(s.Worker))],
        };
        var shape = $"{n:N0} evm workers, blocks mode, batch=1, 10 ms polls";
        var label = redis ? "reorg" : "reorg, PostgreSQL handler";
        var notes = new List<string>();
        if (!redis)
        {
            notes.Add($"{label}: each block is a row inserted into the handler's blocks table and the worker's row of its heads table updated (one statement; in shape, an ERC-20 indexer's transfer row and balance update); "
                + "the journaled side's handler declares both tables, so a trigger journals both rows' images under the block's seq (unfinalized blocks are handed to the handler one at a time), and each commit forgets the journal at or below the final block; "
                + "the baseline runs the same statement on two other tables that it does not declare. Both sides in one PostgreSQL database (a private server, shared_buffers=128MB), cursors in overseer_cursors.");
        }

        notes.AddRange(
        [
            $"{label}: at the head, the chain grew only as fast as the workers indexed it (the next block mined once they had committed all but {Lead} each): "
                + $"chain blocks/s with the journal {Summary.Of([.. journaled.Select(j => j.ChainBlocksPerSecond)]).Median:N1}, without {Summary.Of([.. plain.Select(p => p.ChainBlocksPerSecond)]).Median:N1} (medians); "
                + $"the slowest worker was at most {journaled.Max(j => j.Lag)} (journal) and {plain.Max(p => p.Lag)} (no journal) blocks behind at the end of a window; "
                + $"journal entries per token {Summary.Of([.. journaled.Select(j => j.JournalEntries)]).Median:0} and {Summary.Of([.. plain.Select(p => p.JournalEntries)]).Median:0}. "
                + $"Batch commits sampled per repetition: journal {journaled.Min(j => j.Commits):N0}–{journaled.Max(j => j.Commits):N0}, no journal {plain.Min(p => p.Commits):N0}–{plain.Max(p => p.Commits):N0}. "
                + "The journaled side also asks the node for its finalized block in each poll's batch (the default finality); the other side's finality=0 does not.",
            $"{label}: {settings.ReorgRollbacks} rollbacks and {settings.ReorgRollbacks} single new blocks per repetition ({runs.ReorgCount} reorgs rolled back by the worker, none counted as a restart, each checked: "
                + $"reorg count, checkpoint at the new head; {(redis ? "the stream" : "the handler's rows (and its heads row)")} equal to the node's chain at the end); "
                + $"commits per rollback {runs.ReorgCommits / (double)(reorgs.Count * settings.ReorgRollbacks):0.0}, per new block {runs.AdvanceCommits / (double)(advances.Count * settings.ReorgRollbacks):0.0}; "
                + $"anvil_reorg {Depth} itself (before the clock) took {Summary.Of(runs.ReorgCalls).Median:0.0} ms (median). "
                + $"Not the baseline: {Depth + 1} new blocks at once (anvil_mine {Depth + 1}), because anvil mines them one by one and a 10 ms poll sees them in several batches, which times anvil and the poll interval rather than indexing.",
        ]);
        List<Figure> figures =
        [
            Head($"blocks/s at the head, confirmations=0 with the reorg journal (default finality: head − 64 on anvil) ({shape}{(redis ? "" : $", handler {JournaledBlocksHandler.Name}")})", "/s", true, h => h.BlocksPerSecond),
            Head("commit latency p50 at the head with the journal (overseer.commit-duration)", "ms", false, h => h.Latency.P50),
            Head("commit latency p99 at the head with the journal (overseer.commit-duration)", "ms", false, h => h.Latency.P99),
        ];
        if (redis)
        {
            // The same source token whatever the output: reported once.
            figures.Add(Head("source token per commit with the journal (bytes of the cursor's tok)", "B", false, h => h.TokenBytes));
        }

        figures.AddRange([Rollback("p50", s => s.P50), Rollback("p99", s => s.P99), Own("p50", s => s.P50), Own("p99", s => s.P99)]);
        return new ScenarioOutput(figures, [], notes);
    }

    /// <summary>Awaits a worker condition (outside the timed spans) with a deadline whose failure names what was awaited.</summary>
    private static async Task<WorkerInfo> WaitAsync(IWorkerGrain worker, string id, Func<WorkerInfo, bool> condition, string what, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var info = await worker.GetInfoAsync(cancellationToken);
            if (condition(info))
            {
                return info;
            }

            if (clock.Elapsed > Deadline)
            {
                throw new BenchFailedException($"reorg: {what}: worker '{id}' is {info.Status} at checkpoint {info.Checkpoint}, reorgs {info.Reorgs}, restarts {info.Restarts}, "
                    + $"last error '{info.LastError}', last reorg '{info.LastReorg}' after {Deadline.TotalSeconds:0} s");
            }

            await Task.Delay(5, cancellationToken);
        }
    }

    /// <summary>Waits until the meter has counted <paramref name="blocks"/> committed since its <c>Begin</c>; the elapsed
    /// time on <paramref name="clock"/> then.</summary>
    private static async Task<TimeSpan> UntilCommittedAsync(CommitMeter meter, long blocks, Stopwatch clock, string what, CancellationToken cancellationToken)
    {
        while (meter.Events < blocks)
        {
            if (clock.Elapsed > Deadline)
            {
                throw new BenchFailedException($"reorg: {what}: expected {blocks} blocks committed within {Deadline.TotalSeconds:0} s; {meter.Events} were");
            }

            await Task.Delay(1, cancellationToken);
        }

        return clock.Elapsed;
    }

    /// <summary>The at-the-head windows: N workers started <see cref="Backfill"/> blocks below the head, caught up, then
    /// measured while the chain grows as fast as they index it; stopped after.</summary>
    private sealed class Head(EvmRpc rpc, InProcessSilo silo, IReorgOutput output, CommitMeter meter, int workers, CancellationToken cancellationToken)
    {
        public async Task<HeadRound> RoundAsync(string prefix, bool journaled, TimeSpan window)
        {
            var manager = silo.Grains.GetGrain<IManagerGrain>(0);
            var confirmations = journaled ? 0 : 2;
            var top = await rpc.BlockNumberAsync(cancellationToken);
            var from = top - Backfill;
            (string, string)[] options = [("rpc", rpc.Url), ("from", Text(from)), ("confirmations", Text(confirmations)), ("batch", "1"), ("intervalMs", "10")];
            var spec = WorkerSpec.For("evm", journaled ? options : [.. options, ("finality", "0")]) with { Handler = output.Handler(journaled) };
            var ids = Enumerable.Range(0, workers).Select(i => $"{prefix}{i}").ToArray();
            await Bounded.RunAsync($"reorg: start ({prefix}*)", workers, InFlight, (i, t) => manager.StartAsync(ids[i], spec, t), cancellationToken);
            try
            {
                await CaughtUpAsync(ids, top - confirmations, $"reorg ({prefix}*): caught up with the head {top}");

                var mined = 0L;
                meter.Begin();
                var clock = Stopwatch.StartNew();
                while (clock.Elapsed < window)
                {
                    if (meter.Events >= workers * (mined - Lead))
                    {
                        await rpc.MineAsync(1, cancellationToken);
                        mined++;
                    }
                    else
                    {
                        await Task.Delay(1, cancellationToken);
                    }
                }

                var (blocks, durations) = meter.End();
                var elapsed = clock.Elapsed;
                if (durations.Count == 0)
                {
                    throw new BenchFailedException($"reorg ({prefix}*): no batch committed in {window.TotalSeconds:0.#} s");
                }

                var cursors = await output.CursorsAsync(ids, cancellationToken);
                var target = top + mined - confirmations;

                // One worker's output (the round's first; the others' checkpoints are read) is exactly the node's chain up
                // to its checkpoint: every block once, the node's hashes.
                if (await output.CheckAsync(ids[0], journaled, from, cursors[0].Checkpoint, cancellationToken) is { } problem)
                {
                    throw new BenchFailedException($"reorg: at the head: {problem}");
                }

                return new HeadRound(
                    blocks / elapsed.TotalSeconds,
                    LatencyStats.Of(durations),
                    durations.Count,
                    mined / elapsed.TotalSeconds,
                    cursors.Average(c => c.Token?.Length ?? 0),
                    cursors.Average(c => JournalEntries(c.Token)),
                    target - cursors.Min(c => c.Checkpoint));
            }
            finally
            {
                await Bounded.RunAsync($"reorg: stop ({prefix}*)", workers, InFlight, (i, t) => manager.StopAsync(ids[i], t), cancellationToken);
            }
        }

        /// <summary>Polls the committed checkpoints (every 25 ms) until each is at least <paramref name="block"/>.</summary>
        private async Task CaughtUpAsync(string[] ids, long block, string phase)
        {
            var clock = Stopwatch.StartNew();
            var timeout = CursorPoller.TimeoutFor(ids.Length);
            while (true)
            {
                var cursors = await output.CursorsAsync(ids, cancellationToken);
                if (cursors.All(c => c.Checkpoint >= block))
                {
                    return;
                }

                if (clock.Elapsed > timeout)
                {
                    throw new BenchFailedException($"{phase}: expected all {ids.Length} workers at block {block} or past it within {timeout.TotalSeconds:0} s, but only {cursors.Count(c => c.Checkpoint >= block)} were");
                }

                await Task.Delay(25, cancellationToken);
            }
        }

        private static int JournalEntries(string? token)
        {
            var text = token ?? "";
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            return bar < 0 ? 0 : text.AsSpan(bar + 1).Count(',') + 1;
        }
    }

    /// <summary>The rollback worker: one <c>evm</c> worker at the head (<c>confirmations=0</c>, default finality and
    /// batch, 10 ms polls), timed through reorgs and plain advances of the chain.</summary>
    private sealed class Rollback(EvmRpc rpc, InProcessSilo silo, IReorgOutput output, IManagerGrain manager, CommitMeter meter, HeadStepListener steps, CancellationToken cancellationToken)
    {
        private long _from;
        private long _head;
        private long _wei;

        public string Id { get; private set; } = "";

        public int Reorgs { get; private set; }

        private IWorkerGrain Worker => silo.Grains.GetGrain<IWorkerGrain>(Id);

        public async Task StartAsync(string id)
        {
            Id = id;
            _head = await rpc.BlockNumberAsync(cancellationToken);
            _from = _head - Backfill;
            var spec = WorkerSpec.For("evm", ("rpc", rpc.Url), ("from", Text(_from)), ("confirmations", "0"), ("intervalMs", "10")) with { MaxRestarts = 0, Handler = output.Handler(journaled: true) };
            await manager.StartAsync(id, spec, cancellationToken);
            await WaitAsync(Worker, Id, i => i.Checkpoint == _head, $"at the head {_head}", cancellationToken);
            steps.Take();
        }

        /// <summary>Durations of the <c>anvil_reorg</c> calls (ms), before each rollback's clock.</summary>
        public List<double> ReorgCalls { get; } = [];

        /// <summary>The newest <see cref="Depth"/> blocks replaced, then one mined on the new branch: timed from that
        /// mining call to the new branch's last block committed.</summary>
        public async Task<RollbackSample> ReorgAsync()
        {
            var replaced = await rpc.HashAsync(_head - Depth + 1, cancellationToken);
            var call = Stopwatch.StartNew();
            await rpc.ReorgWithTransferAsync(Depth, wei: ++_wei, cancellationToken);
            ReorgCalls.Add(call.Elapsed.TotalMilliseconds);
            meter.Begin();
            var clock = Stopwatch.StartNew();
            await rpc.MineAsync(1, cancellationToken);
            var elapsed = await UntilCommittedAsync(meter, Depth + 1, clock, $"the {Depth}-block reorg at head {_head} rolled back and the new branch indexed", cancellationToken);
            var (_, durations) = meter.End();
            var replacement = await rpc.HashAsync(_head - Depth + 1, cancellationToken);
            if (replacement == replaced)
            {
                throw new BenchFailedException($"reorg: anvil_reorg {Depth} left block {_head - Depth + 1} as it was ({replaced})");
            }

            _head++;
            Reorgs++;
            var info = await WaitAsync(Worker, Id, i => i.Checkpoint == _head && i.Reorgs == Reorgs, $"rolled back (reorg {Reorgs}) and at the new head {_head}", cancellationToken);
            Check(info, $"reorg {Reorgs}");
            return new RollbackSample(elapsed, durations.Count, Step($"reorg {Reorgs}"));
        }

        /// <summary>The baseline: one block mined without a reorg, timed from the mining call to that block committed.</summary>
        public async Task<RollbackSample> AdvanceAsync()
        {
            meter.Begin();
            var clock = Stopwatch.StartNew();
            await rpc.MineAsync(1, cancellationToken);
            var elapsed = await UntilCommittedAsync(meter, 1, clock, $"the new block {_head + 1} indexed", cancellationToken);
            var (_, durations) = meter.End();
            _head++;
            Check(await WaitAsync(Worker, Id, i => i.Checkpoint == _head, $"at the new head {_head}", cancellationToken), $"advance to {_head}");
            return new RollbackSample(elapsed, durations.Count, Step($"the new block {_head}"));
        }

        /// <summary>The worker's own time for the sample's new head; the sum when its blocks took several commits.</summary>
        private double Step(string what) =>
            steps.Take() is { Count: > 0 } taken
                ? taken.Sum()
                : throw new BenchFailedException($"reorg: {what}: worker '{Id}' committed, but no fetch → commit of it was seen in its spans");

        /// <summary>What the worker committed (its stream, or its handler's rows) is exactly the node's chain from its
        /// first block to the head (every block once, the node's hashes): every rollback undid what it had to.</summary>
        public async Task CheckStreamAsync()
        {
            if (await output.CheckAsync(Id, journaled: true, _from, _head, cancellationToken) is { } problem)
            {
                throw new BenchFailedException($"reorg: after {Reorgs} rollbacks the output is not the node's chain: {problem}");
            }
        }

        private void Check(WorkerInfo info, string what)
        {
            if (info.Status != WorkerStatus.Running || info.Restarts != 0 || info.Reorgs != Reorgs)
            {
                throw new BenchFailedException($"reorg: after {what}: worker '{Id}' is {info.Status} with {info.Restarts} restarts and {info.Reorgs} reorgs (expected Running, 0, {Reorgs}); "
                    + $"last error '{info.LastError}'");
            }
        }
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
