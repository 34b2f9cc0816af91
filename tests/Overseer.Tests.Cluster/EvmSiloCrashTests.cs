using System.Diagnostics;
using Overseer.Models;
using Overseer.Testing;
using Xunit.Abstractions;

namespace Overseer.Tests.Cluster;

/// <summary>kill -9 of a real silo process while <c>evm</c> workers follow a live anvil chain (a block a second, logs in
/// most blocks): the workers resume on the survivor by themselves; every block and log is committed exactly once.</summary>
public sealed class EvmSiloCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KillOneOfTwoSilos_EvmWorkersInBothModes_ResumeOnTheSurvivor_ExactlyOnce()
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: 1);
        var emitter = await node.Rpc.DeployEmitterAsync();
        using var emitting = new CancellationTokenSource();
        var emit = EmitLoopAsync(node.Rpc, emitter, emitting.Token);
        await using var cluster = await ProcessCluster.StartAsync(silos: 2);
        var client = await cluster.ConnectAsync();

        var workers = new List<(string Id, bool Logs)>();
        for (var i = 0; i < 8; i++)
        {
            var logs = i % 2 == 1;
            var id = $"evm-{(logs ? "logs" : "blocks")}-{i}";
            (string, string)[] options = [("rpc", node.HttpUrl), ("from", "1"), ("intervalMs", "200"), ("stallMs", "3000")];
            if (i % 4 < 2)
            {
                options = [.. options, ("ws", node.WsUrl)];
            }

            if (logs)
            {
                options = [.. options, ("address", emitter), ("topic0", EvmRpc.EmitterTopic0), ("batch", "5")];
            }

            await client.StartAsync(id, WorkerSpec.For("evm", options));
            workers.Add((id, logs));
        }

        var (victimEndpoint, onVictim) = await Eventually.UntilAsync(
            async () => (await client.ListAsync().Where(w => w.Checkpoint > 0).ToListAsync())
                .GroupBy(w => w.Silo ?? "").Select(g => (Silo: g.Key, Count: g.Count())).OrderByDescending(g => g.Count).FirstOrDefault(),
            best => best.Count >= 2,
            TimeSpan.FromSeconds(60),
            best => $"at least 2 evm workers indexing on one silo before the kill; best is {best.Silo} with {best.Count}");
        var victim = cluster.Silos.First(s => s.SiloEndpoint == victimEndpoint);
        var atKill = new Dictionary<string, long>();
        foreach (var (id, _) in workers)
        {
            atKill[id] = await cluster.CheckpointAsync(id);
        }

        victim.Kill();
        var killedAt = Stopwatch.StartNew();

        // Blocks workers: 5 blocks past the kill; logs workers: past the kill's block + 5.
        await Eventually.UntilAsync(
            async () => (await client.ListAsync().ToListAsync()).Where(w => w.Id.StartsWith("evm-", StringComparison.Ordinal)).ToList(),
            all => all.Count == workers.Count && all.All(w => w.Status == WorkerStatus.Running && w.Silo != victimEndpoint
                && w.Checkpoint >= (w.Id.Contains("logs", StringComparison.Ordinal) ? ((atKill[w.Id] / 1_000_000) + 5) * 1_000_000 : atKill[w.Id] + 5)),
            TimeSpan.FromSeconds(90),
            all => $"every evm worker running on the survivor and past its checkpoint at the kill of {victimEndpoint}: "
                + string.Join(", ", all.Select(w => $"{w.Id}={w.Status}@{w.Checkpoint} on {w.Silo} (kill at {atKill.GetValueOrDefault(w.Id)})"))
                + Environment.NewLine + cluster.LogTails());
        output.WriteLine($"{onVictim} evm workers were on the killed silo; all {workers.Count} were past their kill-time checkpoint {killedAt.Elapsed.TotalSeconds:0.0} s after the kill");

        await emitting.CancelAsync();
        await emit;
        foreach (var (id, logs) in workers)
        {
            var stopped = await client.StopAsync(id);
            var events = (await client.GetEventsAsync(id, 1).ToListAsync()).Select(e => (e.Seq, e.Payload)).ToList();
            Assert.Equal(0, stopped.Restarts);
            var problem = logs
                ? await EvmIndexCheck.LogsAsync(node.Rpc, id, events, 1, stopped.Checkpoint / 1_000_000, emitter, EvmRpc.EmitterTopic0)
                : await EvmIndexCheck.BlocksAsync(node.Rpc, id, events, 1, stopped.Checkpoint);
            Assert.True(problem is null, problem);
        }
    }

    /// <summary>A transaction to the emitter every 250 ms (a log in most blocks) until cancelled.</summary>
    private static async Task EmitLoopAsync(EvmRpc rpc, string emitter, CancellationToken cancellationToken)
    {
        for (var n = 0; !cancellationToken.IsCancellationRequested; n++)
        {
            try
            {
                await rpc.EmitAsync(emitter, $"0x{n:x8}", cancellationToken);
                await Task.Delay(250, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
