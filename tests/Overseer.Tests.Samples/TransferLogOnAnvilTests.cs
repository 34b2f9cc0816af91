using System.Numerics;
using Erc20Indexer;
using Overseer.Testing;

namespace Overseer.Tests.Samples;

/// <summary>The decoder on the logs of real transactions: the sample's Token on a private anvil (mining on demand),
/// minted and transferred, its Transfer logs read back with eth_getLogs and turned into the evm source's events.</summary>
public sealed class TransferLogOnAnvilTests
{
    [Fact]
    public async Task Decode_LogsOfMintsAndTransfers_MatchTheTransactionsAndBalanceOf()
    {
        await using var anvil = await AnvilNode.StartNewAsync(blockTimeSeconds: null);
        var token = await Erc20Token.DeployAsync(anvil.Rpc);
        var accounts = (await anvil.Rpc.AccountsAsync()).Select(x => x.ToLowerInvariant()).ToArray();
        var (a, b, c) = (accounts[1], accounts[2], accounts[3]);
        string[] sent =
        [
            await token.MintAsync(a, 1_000_000),
            await token.MintAsync(b, BigInteger.Pow(10, 30)),
            await token.TransferAsync(a, b, 250),
            await token.TransferAsync(b, c, BigInteger.Pow(10, 30)),
            await token.TransferAsync(c, a, 1),
        ];

        var events = (await token.TransferLogsAsync(0, await anvil.Rpc.BlockNumberAsync())).Select(EvmPayloads.From).ToArray();
        var transfers = events.Select(e => TransferLog.Decode("anvil", e.Seq, e.Payload)!).ToArray();

        Assert.Equal(sent, transfers.Select(t => t.Transaction));
        Assert.All(transfers, t => Assert.Equal(token.Address, t.Token));
        Assert.Equal(
            [(TransferLog.ZeroAddress, a, new BigInteger(1_000_000)), (TransferLog.ZeroAddress, b, BigInteger.Pow(10, 30)), (a, b, 250), (b, c, BigInteger.Pow(10, 30)), (c, a, 1)],
            transfers.Select(t => (t.From, t.To, t.Value)));
        foreach (var holder in new[] { a, b, c })
        {
            var indexed = transfers.Where(t => t.To == holder).Aggregate(BigInteger.Zero, (sum, t) => sum + t.Value)
                - transfers.Where(t => t.From == holder).Aggregate(BigInteger.Zero, (sum, t) => sum + t.Value);
            Assert.Equal(await token.BalanceOfAsync(holder), indexed);
        }
    }
}
