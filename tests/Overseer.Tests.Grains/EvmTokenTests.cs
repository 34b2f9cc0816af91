using Microsoft.Extensions.DependencyInjection;
using Overseer.Sources;
using Overseer.Sources.Evm;
using Overseer.Testing;

namespace Overseer.Tests.Grains;

/// <summary>The evm kind's rewind token (<see cref="IEventSourceFactory.TokenAtAsync"/>) and resume from it, at the
/// source level (no grains) against a real anvil.</summary>
public sealed class EvmTokenTests : IAsyncLifetime
{
    private readonly ServiceProvider _services;
    private AnvilNode _node = null!;

    public EvmTokenTests()
    {
        var services = new ServiceCollection().AddLogging();
        Overseer.Hosting.OverseerServiceCollectionExtensions.AddOverseerGrains(services);
        _services = services.BuildServiceProvider();
    }

    private IEventSourceFactory Factory => _services.GetRequiredKeyedService<IEventSourceFactory>(EvmSourceFactory.Kind);

    public async Task InitializeAsync() => _node = await AnvilNode.StartNewAsync(blockTimeSeconds: null);

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task TokenAt_BlocksMode_IsTheBlocksHash_AndResumesRightAfterIt()
    {
        await _node.Rpc.MineAsync(12);
        var context = new SourceContext("tok-blocks", new Dictionary<string, string> { ["rpc"] = _node.HttpUrl, ["from"] = "1" });

        var token = await Factory.TokenAtAsync(context, 7, CancellationToken.None);
        Assert.Equal(await _node.Rpc.HashAsync(7), token);
        Assert.Null(await Factory.TokenAtAsync(context, 0, CancellationToken.None));

        await using var source = Factory.Create(context with { ResumeToken = token });
        var batch = await source.FetchAsync(7, CancellationToken.None);
        Assert.Equal([8L, 9L, 10L], batch.Events.Select(e => e.Seq));
        // The token is the last block's hash, then the journal of the unfinalized blocks committed (all of them: anvil's
        // finalized block is head − 64).
        Assert.Equal(
            $"{await _node.Rpc.HashAsync(10)}|8:{await _node.Rpc.HashAsync(8)},9:{await _node.Rpc.HashAsync(9)},10:{await _node.Rpc.HashAsync(10)}",
            batch.Token);
    }

    [Fact]
    public async Task TokenAt_BlocksMode_WrongToken_IsTheReorgError()
    {
        await _node.Rpc.MineAsync(12);
        var context = new SourceContext("tok-wrong", new Dictionary<string, string> { ["rpc"] = _node.HttpUrl }, ResumeToken: await _node.Rpc.HashAsync(6));

        await using var source = Factory.Create(context);
        var thrown = await Assert.ThrowsAsync<EvmReorgException>(() => source.FetchAsync(7, CancellationToken.None));

        Assert.Equal(8, thrown.Block);
        Assert.Contains(await _node.Rpc.HashAsync(7), thrown.Message, StringComparison.Ordinal);
        Assert.Contains(await _node.Rpc.HashAsync(6), thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenAt_LogsMode_ScansTheSeqsBlockAgain_AndKeepsOnlyLaterLogs()
    {
        var emitter = await _node.Rpc.DeployEmitterAsync();
        await _node.Rpc.CallAsync("evm_setAutomine", [false]);
        for (var tx = 0; tx < 4; tx++)
        {
            await _node.Rpc.EmitAsync(emitter, $"0x{tx:x2}");
        }

        await _node.Rpc.MineAsync(1);
        var block = await _node.Rpc.BlockNumberAsync();
        await _node.Rpc.MineAsync(2);
        var context = new SourceContext("tok-logs", new Dictionary<string, string> { ["rpc"] = _node.HttpUrl, ["from"] = "1", ["address"] = emitter });
        var afterSecondLog = (block * 1_000_000) + 1;

        var token = await Factory.TokenAtAsync(context, afterSecondLog, CancellationToken.None);
        Assert.Equal($"{block - 1}:{await _node.Rpc.HashAsync(block - 1)}", token);

        await using var source = Factory.Create(context with { ResumeToken = token });
        var batch = await source.FetchAsync(afterSecondLog, CancellationToken.None);
        Assert.Equal([(block * 1_000_000) + 2, (block * 1_000_000) + 3], batch.Events.Select(e => e.Seq));
        // The token is the block scanned to, then the journal of the unfinalized blocks recorded (the range's ends).
        Assert.Equal($"{block}:{await _node.Rpc.HashAsync(block)}|{block}:{await _node.Rpc.HashAsync(block)}", batch.Token);
    }
}
