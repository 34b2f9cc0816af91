using System.Numerics;
using Overseer.Testing;

namespace Overseer.Bench.Suite.Rebuild;

/// <summary>The <c>rebuild</c> scenario's chain on a private anvil that mines only on demand: the sample's ERC-20 token
/// minted to nine holders (a block each), then <c>blocks</c> blocks of <c>perBlock</c> transfers between them, and two
/// empty blocks so the last transfers are past the evm source's default confirmations. Built once, then left alone.</summary>
/// <param name="Token">The token's address.</param>
/// <param name="Transfers">Transfer logs on the chain (mints included): the events each full index commits.</param>
/// <param name="LastSeq">The seq of the last Transfer (block × 1,000,000 + log index): where every index ends.</param>
internal sealed record TransferChain(string Token, int Transfers, long LastSeq)
{
    public static async Task<TransferChain> BuildAsync(EvmRpc rpc, int blocks, int perBlock, CancellationToken cancellationToken)
    {
        var token = await Erc20Token.DeployAsync(rpc, cancellationToken: cancellationToken);
        var holders = (await rpc.AccountsAsync(cancellationToken)).Skip(1).Select(a => a.ToLowerInvariant()).ToArray();
        foreach (var holder in holders)
        {
            await token.MintAsync(holder, BigInteger.Pow(10, 24), cancellationToken);
        }

        await rpc.CallAsync("evm_setAutomine", [false], cancellationToken);
        for (var b = 0; b < blocks; b++)
        {
            // One sender per holder, each sending its share one at a time (anvil assigns the nonces); never to itself.
            var block = b;
            await Task.WhenAll(holders.Select(async (from, h) =>
            {
                for (var t = h; t < perBlock; t += holders.Length)
                {
                    var to = holders[(h + 1 + (block % (holders.Length - 1))) % holders.Length];
                    await token.SubmitTransferAsync(from, to, 1 + t, cancellationToken);
                }
            }));
            await rpc.MineAsync(1, cancellationToken);
        }

        await rpc.MineAsync(2, cancellationToken);
        var logs = await token.TransferLogsAsync(1, await rpc.BlockNumberAsync(cancellationToken), cancellationToken);
        var expected = holders.Length + (blocks * perBlock);
        if (logs.Length != expected)
        {
            throw new BenchFailedException($"rebuild: the chain holds {logs.Length} Transfer logs of token {token.Address}, expected {expected} ({holders.Length} mints + {blocks} blocks × {perBlock}): a transfer was dropped or reverted");
        }

        var last = logs[^1];
        var lastSeq = (EvmRpc.Number(last.GetProperty("blockNumber").GetString()!) * 1_000_000) + EvmRpc.Number(last.GetProperty("logIndex").GetString()!);
        return new TransferChain(token.Address, logs.Length, lastSeq);
    }
}
