using Overseer.Models;
using Overseer.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;
using static Overseer.Tests.Grains.EvmChain;

namespace Overseer.Tests.Grains;

/// <summary>A reorg rolled back while Redis fails: the rollback is one script, so it either happened or not, and the
/// worker retries it through the outage like any commit, with no restart counted.</summary>
/// <remarks>Its own cluster and Redis (not the shared one): it pauses and kills the server.</remarks>
[Trait("Category", "Faults")]
public sealed class EvmReorgFaultTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    // appendfsync always: the kill loses no acknowledged write, so the cursor after the restart is the one before it.
    private readonly OverseerCluster fixture = new() { RedisArguments = ["--appendfsync", "always"] };
    private ConnectionMultiplexer admin = null!;

    public async Task InitializeAsync()
    {
        await fixture.InitializeAsync();
        admin = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString + ",allowAdmin=true");
    }

    public async Task DisposeAsync()
    {
        await admin.DisposeAsync();
        await fixture.DisposeAsync();
    }

    [Fact]
    public async Task Reorg_RedisKilledWhileTheRollbackWaitsOnIt_RolledBackOnceAfterTheRestart()
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        await node.Rpc.MineAsync(30);
        var id = $"reorg-kill-{Guid.NewGuid():N}"[..24];
        var spec = WorkerSpec.For("evm", ("rpc", node.HttpUrl), ("confirmations", "0"), ("from", "1"), ("intervalMs", "50")) with { MaxRestarts = 0 };
        await fixture.Manager.StartAsync(id, spec);
        await WaitAsync(id, i => i.Checkpoint == 30, "at the head 30");

        // Writes wait while paused: the worker finds the reorg and its rollback cannot run; then the server is killed,
        // and started again.
        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "30000", "WRITE");
        await node.Rpc.ReorgWithTransferAsync(5, wei: 1);
        await node.Rpc.MineAsync(1);
        // The new head is read in the fetch that finds the reorg and sends the rollback (which cannot have run: writes
        // are paused). Whether the script reached the server before the kill or is sent again after it, it runs once.
        await WaitAsync(id, i => i.Head == 31, "the new head 31 seen (the rollback follows in the same fetch)");
        await fixture.Redis.KillAsync();
        await fixture.Redis.StartAsync();

        var after = await WaitAsync(id, i => i.Reorgs == 1 && i.Checkpoint == 31, "the reorg rolled back after the restart and the new head 31 indexed");
        output.WriteLine(after.LastReorg);
        Assert.Equal((WorkerStatus.Running, 0), (after.Status, after.Restarts));
        Assert.Contains("common ancestor is block 25", after.LastReorg, StringComparison.Ordinal);
        var stopped = await fixture.Manager.StopAsync(id);
        Assert.Equal((0, 1), (stopped.Restarts, stopped.Reorgs));
        await AssertBlocksAsync(fixture.Client, node.Rpc, id, 1, 31);
    }

    private Task<WorkerInfo> WaitAsync(string id, Func<WorkerInfo, bool> condition, string what) =>
        Eventually.UntilAsync(
            () => fixture.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync(),
            condition,
            Deadline,
            i => $"{what}: worker '{id}' is {i.Status} at checkpoint {i.Checkpoint}, head {i.Head}, reorgs {i.Reorgs}, restarts {i.Restarts}, last error '{i.LastError}'");
}
