using System.Diagnostics;
using Overseer.Models;
using Overseer.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Overseer.Tests.Cluster;

/// <summary>kill -9 of the real silo process that is rolling an <c>evm</c> worker back after a reorg (Redis writes paused): the rollback is one
/// fenced script, so it happened or not; the worker resumes on the survivor, finds the reorg again from its committed
/// journal and rolls back there. The stream is exactly a fresh index of the final chain, with no restart counted.</summary>
public sealed class EvmReorgCrashTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task KillTheSiloWhileItsRollbackWaitsOnRedis_TheSurvivorRollsBack_TheStreamIsTheFinalChain()
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        await node.Rpc.MineAsync(30);
        await using var cluster = await ProcessCluster.StartAsync(silos: 2);
        var client = await cluster.ConnectAsync();
        await using var admin = await ConnectionMultiplexer.ConnectAsync(cluster.RedisConnectionString + ",allowAdmin=true");
        const string id = "evm-reorg-crash";
        await client.StartAsync(id, WorkerSpec.For("evm", ("rpc", node.HttpUrl), ("confirmations", "0"), ("from", "1"), ("intervalMs", "100")));
        var before = await WaitAsync(client, cluster, i => i.Checkpoint == 30 && i.Silo is not null, "at the head 30");

        // Writes wait while paused: the worker finds the reorg and its rollback cannot run; its silo is killed (the
        // script, if it was sent, dies unexecuted with the connection), then writes resume.
        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "60000", "WRITE");
        await node.Rpc.ReorgWithTransferAsync(5, wei: 1);
        await node.Rpc.MineAsync(1);
        // The new head is read in the fetch that finds the reorg and sends the rollback, which cannot run while paused.
        await WaitAsync(client, cluster, i => i.Head == 31, "the new head 31 seen (the rollback follows in the same fetch)");
        var victim = cluster.Silos.First(s => s.SiloEndpoint == before.Silo);
        victim.Kill();
        var killed = Stopwatch.StartNew();
        await admin.GetDatabase().ExecuteAsync("CLIENT", "UNPAUSE");

        var after = await WaitAsync(
            client, cluster, i => i.Status == WorkerStatus.Running && i.Silo != before.Silo && i.Checkpoint == 31 && i.Reorgs >= 1, "rolled back on the survivor and at the new head 31");
        output.WriteLine($"rolled back on the survivor {killed.Elapsed.TotalSeconds:0.0} s after the kill: {after.LastReorg}");
        Assert.Contains("common ancestor is block 25", after.LastReorg, StringComparison.Ordinal);
        var stopped = await client.StopAsync(id);
        Assert.Equal(0, stopped.Restarts);
        var events = (await client.GetEventsAsync(id, 1).ToListAsync()).Select(e => (e.Seq, e.Payload)).ToList();
        var problem = await EvmIndexCheck.BlocksAsync(node.Rpc, id, events, 1, 31);
        Assert.True(problem is null, problem);
    }

    private static Task<WorkerInfo> WaitAsync(Overseer.Client.OverseerClient client, ProcessCluster cluster, Func<WorkerInfo, bool> condition, string what) =>
        Eventually.UntilAsync(
            () => client.GetStatusAsync("evm-reorg-crash"),
            condition,
            Deadline,
            i => $"{what}: the worker is {i.Status} on {i.Silo} at checkpoint {i.Checkpoint}, head {i.Head}, reorgs {i.Reorgs}, restarts {i.Restarts}, last error '{i.LastError}'{Environment.NewLine}{cluster.LogTails()}");
}
