using System.Diagnostics;
using System.Globalization;
using Overseer.Models;
using Overseer.Testing;

namespace Overseer.Bench;

/// <summary><c>--evm</c>: how fast evm workers index a local anvil, and how long a failover takes. The chain is built
/// first and then left alone (no interval mining), so every worker indexes the same fixed amount: 2,000 blocks, of
/// which 100 hold 50 logs each of the emitter. Rates count what all workers committed together, from the first start
/// call to the last worker reaching its target (reads from Redis, no grain call).</summary>
internal sealed class EvmBench(BenchOptions options)
{
    private const int Blocks = 2000;
    private const int LogBlocks = 100;
    private const int LogsPerBlock = 50;
    private static readonly TimeSpan PhaseTimeout = TimeSpan.FromMinutes(10);

    public async Task<IReadOnlyList<string>> RunAsync(CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null, cancellationToken);
        var (emitter, lastLogSeq, logs) = await BuildChainAsync(node.Rpc, cancellationToken);
        await using var cluster = await BenchCluster.StartAsync(options.Silos, cancellationToken);

        foreach (var (mode, workers) in new[] { ("blocks", 1), ("blocks", 100), ("logs", 1), ("logs", 100) })
        {
            (string, string)[] spec = mode == "blocks"
                ? [("rpc", node.HttpUrl), ("ws", node.WsUrl), ("from", "1")]
                : [("rpc", node.HttpUrl), ("ws", node.WsUrl), ("from", "1"), ("address", emitter), ("topic0", EvmRpc.EmitterTopic0)];
            var target = mode == "blocks" ? Blocks : lastLogSeq;
            var items = mode == "blocks" ? Blocks : logs;
            var elapsed = await PhaseAsync(cluster, $"{mode}-{workers}", workers, WorkerSpec.For("evm", spec), target, cancellationToken);
            var line = string.Create(CultureInfo.InvariantCulture, $"{mode,-6} {workers,3} worker(s): {items * (long)workers,9:N0} {mode} in {elapsed.TotalSeconds,6:0.00} s = {items * workers / elapsed.TotalSeconds,9:N0} {mode}/s ({items / elapsed.TotalSeconds:N0}/s per worker)");
            Progress.Say(line);
            lines.Add(line);
        }

        lines.AddRange(await FailoverAsync(cluster, cancellationToken));
        return lines;
    }

    private static async Task<(string Emitter, long LastLogSeq, int Logs)> BuildChainAsync(EvmRpc rpc, CancellationToken cancellationToken)
    {
        var emitter = await rpc.DeployEmitterAsync(cancellationToken);
        await rpc.CallAsync("evm_setAutomine", [false], cancellationToken);
        Progress.Say($"anvil: emitter {emitter}; sending {LogBlocks * LogsPerBlock} transactions in {LogBlocks} blocks");
        var accounts = await rpc.AccountsAsync(cancellationToken);
        for (var b = 0; b < LogBlocks; b++)
        {
            // One sender per dev account, each sending its share one at a time (anvil assigns the nonces).
            await Task.WhenAll(accounts.Select(async (account, a) =>
            {
                for (var t = a; t < LogsPerBlock; t += accounts.Length)
                {
                    await rpc.EmitAsync(emitter, $"0x{b:x4}{t:x4}", cancellationToken, account);
                }
            }));
            await rpc.MineAsync(1, cancellationToken);
        }

        await rpc.MineAsync(Blocks + 2 - await rpc.BlockNumberAsync(cancellationToken), cancellationToken);
        var logs = await rpc.LogsAsync(1, Blocks, emitter, EvmRpc.EmitterTopic0, cancellationToken);
        var last = logs[^1];
        var lastSeq = (EvmRpc.Number(last.GetProperty("blockNumber").GetString()!) * 1_000_000) + EvmRpc.Number(last.GetProperty("logIndex").GetString()!);
        Progress.Say($"anvil: head {await rpc.BlockNumberAsync(cancellationToken)}, {logs.Length} logs of the emitter in blocks 1..{Blocks}");
        return (emitter, lastSeq, logs.Length);
    }

    private static async Task<TimeSpan> PhaseAsync(BenchCluster cluster, string name, int workers, WorkerSpec spec, long target, CancellationToken cancellationToken)
    {
        var ids = Enumerable.Range(0, workers).Select(i => $"{name}-{i:D3}").ToList();
        var clock = Stopwatch.StartNew();
        var calls = new ParallelOptions { MaxDegreeOfParallelism = 20, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(ids, calls, async (id, ct) => await cluster.Client.StartAsync(id, spec, ct));
        await Eventually.UntilAsync(
            () => cluster.CheckpointsAsync(ids),
            cps => cps.All(c => c == target),
            PhaseTimeout,
            cps => $"{name}: all {workers} workers at checkpoint {target}; {cps.Count(c => c == target)} are, lowest {cps.Min()}",
            cancellationToken);
        var elapsed = clock.Elapsed;
        Progress.Say($"{name}: done in {elapsed.TotalSeconds:0.00} s; stopping the workers");
        await Parallel.ForEachAsync(ids, calls, async (id, ct) => await cluster.Client.StopAsync(id, ct));
        return elapsed;
    }

    /// <summary>One push worker on a live chain (a block a second) whose WebSocket goes through a proxy that is cut (the
    /// connection reset) or frozen (open but silent), then restored: time until its status says poll, and until it says
    /// push again.</summary>
    private static async Task<IReadOnlyList<string>> FailoverAsync(BenchCluster cluster, CancellationToken cancellationToken)
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: 1, cancellationToken);
        await using var proxy = new TcpProxy(node.Port);
        var lines = new List<string>();
        foreach (var (round, silent) in new[] { (0, false), (1, false), (2, true), (3, true) })
        {
            var id = $"failover-{round}";
            await cluster.Client.StartAsync(id, WorkerSpec.For("evm", ("rpc", node.HttpUrl), ("ws", $"ws://127.0.0.1:{proxy.Port}"), ("from", "1"), ("stallMs", "3000"), ("intervalMs", "200")), cancellationToken);
            await UntilAsync(cluster, id, i => i.Handler == "push" && i.Checkpoint > 0, "on push", cancellationToken);
            var cut = Stopwatch.StartNew();
            if (silent)
            {
                proxy.Freeze();
            }
            else
            {
                proxy.Cut();
            }

            var polling = await UntilAsync(cluster, id, i => i.Handler == "poll", "failed over to poll", cancellationToken);
            var failover = cut.Elapsed;
            await UntilAsync(cluster, id, i => i.Checkpoint >= polling.Checkpoint + 2, "two blocks by polling", cancellationToken);
            var restored = Stopwatch.StartNew();
            proxy.Restore();
            await UntilAsync(cluster, id, i => i.Handler == "push", "switched back to push", cancellationToken);
            var line = string.Create(CultureInfo.InvariantCulture, $"failover round {round}: WebSocket {(silent ? "silent (stallMs 3000)" : "cut (reset)")} → handler=poll in {failover.TotalMilliseconds:0} ms; restored → handler=push in {restored.Elapsed.TotalMilliseconds:0} ms (status polled every 50 ms)");
            Progress.Say(line);
            lines.Add(line);
            await cluster.Client.StopAsync(id, cancellationToken);
        }

        return lines;
    }

    private static Task<WorkerInfo> UntilAsync(BenchCluster cluster, string id, Func<WorkerInfo, bool> done, string what, CancellationToken cancellationToken) =>
        Eventually.UntilAsync(
            () => cluster.Client.GetStatusAsync(id, cancellationToken),
            done,
            TimeSpan.FromSeconds(60),
            i => $"{id} {what}: {i.Status}/{i.Handler} at {i.Checkpoint}",
            cancellationToken);
}
