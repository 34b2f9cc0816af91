using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Overseer.Testing;

namespace Overseer.Tests.Cluster;

/// <summary>One Transfer, as a row of <c>transfers</c> or as a log from <c>eth_getLogs</c>.</summary>
internal sealed record IndexedTransfer(long Seq, long Block, int LogIndex, string Tx, string From, string To, BigInteger Value)
{
    public static IndexedTransfer FromLog(JsonElement log)
    {
        var block = EvmRpc.Number(log.GetProperty("blockNumber").GetString()!);
        var logIndex = (int)EvmRpc.Number(log.GetProperty("logIndex").GetString()!);
        var topics = log.GetProperty("topics").EnumerateArray().Select(t => t.GetString()!.ToLowerInvariant()).ToArray();
        return new IndexedTransfer(
            (block * 1_000_000) + logIndex,
            block,
            logIndex,
            log.GetProperty("transactionHash").GetString()!.ToLowerInvariant(),
            "0x" + topics[1][^40..],
            "0x" + topics[2][^40..],
            BigInteger.Parse("0" + log.GetProperty("data").GetString()![2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
    }

    public override string ToString() => $"{Block}/{LogIndex} {Tx[..10]}… {From[..8]}…→{To[..8]}… {Value}";
}
