using Overseer.Models;
using Overseer.Testing;
using Xunit.Abstractions;

namespace Overseer.Tests.Grains;

/// <summary>A reorg of committed blocks for a worker whose handler writes to PostgreSQL: that output cannot undo its
/// effects yet (no before-images), so the worker halts at once, with no restart counted and the old chain's rows kept,
/// rather than crash-looping or mixing two chains.</summary>
public sealed class EvmReorgPostgresTests(PostgresCluster fixture, ITestOutputHelper output) : IClassFixture<PostgresCluster>
{
    [Fact]
    public async Task Reorg_PostgresHandler_HaltsNamingWhy_AndKeepsTheOldChainsRows()
    {
        await using var node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        await node.Rpc.MineAsync(10);
        var id = $"pg-reorg-{Guid.NewGuid():N}";
        var spec = WorkerSpec.For("evm", ("rpc", node.HttpUrl), ("confirmations", "0"), ("from", "1"), ("intervalMs", "50")) with
        {
            Handler = RecordingHandler.Name,
            MaxRestarts = 0,
        };
        await fixture.Manager.StartAsync(id, spec);
        await WaitAsync(id, i => i.Checkpoint == 10, "at the head 10");

        await node.Rpc.ReorgWithTransferAsync(3, wei: 1);
        await node.Rpc.MineAsync(1);

        var halted = await WaitAsync(id, i => i.Status == WorkerStatus.Halted, "Halted on a reorg its output cannot undo");
        output.WriteLine(halted.LastError);
        Assert.Equal((0, 0, 10L, HaltReason.Reorg), (halted.Restarts, halted.Reorgs, halted.Checkpoint, halted.Halt!.Reason));
        Assert.Contains("reorg of depth 3: block 10 was ", halted.LastError, StringComparison.Ordinal);
        Assert.Contains("cannot roll back to 7: its output cannot undo committed effects yet", halted.LastError, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(1, 10).Select(n => (long)n), await RecordingHandler.SeqsAsync(fixture.ConnectionString, id));
    }

    private Task<WorkerInfo> WaitAsync(string id, Func<WorkerInfo, bool> condition, string what) =>
        Eventually.UntilAsync(
            () => fixture.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync(),
            condition,
            TimeSpan.FromSeconds(60),
            i => $"{what}: worker '{id}' is {i.Status} at checkpoint {i.Checkpoint}, reorgs {i.Reorgs}, restarts {i.Restarts}, last error '{i.LastError}'");
}
