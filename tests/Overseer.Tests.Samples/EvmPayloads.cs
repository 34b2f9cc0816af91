using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Overseer.Sources;
using Overseer.Testing;

namespace Overseer.Tests.Samples;

/// <summary>Logs as the evm source hands them to a handler: <c>EvmLog.ToPayload</c>'s JSON (numbers in decimal, the
/// rest as the node sent it) with the seq the source gives the log (<c>EvmPosition.LogSeq</c>).</summary>
internal static class EvmPayloads
{
    // EvmPosition.LogsPerBlock: seq = blockNumber × 1,000,000 + logIndex.
    private const long LogsPerBlock = 1_000_000;

    /// <summary>The event the evm source makes of one log of an <c>eth_getLogs</c> answer.</summary>
    public static SourceEvent From(JsonElement log) => Event(
        EvmRpc.Number(log.GetProperty("blockNumber").GetString()!),
        log.GetProperty("blockHash").GetString()!,
        log.GetProperty("transactionHash").GetString()!,
        EvmRpc.Number(log.GetProperty("logIndex").GetString()!),
        log.GetProperty("address").GetString()!,
        [.. log.GetProperty("topics").EnumerateArray().Select(t => t.GetString()!)],
        log.GetProperty("data").GetString()!);

    /// <summary>A Transfer log of <paramref name="token"/> at (<paramref name="block"/>, <paramref name="logIndex"/>).</summary>
    public static SourceEvent Transfer(long block, long logIndex, string token, string from, string to, BigInteger value) => Event(
        block,
        Word(block),
        Word((block * LogsPerBlock) + logIndex),
        logIndex,
        token,
        [Erc20Token.TransferTopic0, AddressWord(from), AddressWord(to)],
        "0x" + Convert.ToHexStringLower(value.ToByteArray(isUnsigned: true, isBigEndian: true)).PadLeft(64, '0'));

    /// <summary>A log of another event of <paramref name="token"/> (an ERC-20 Approval).</summary>
    public static SourceEvent Approval(long block, long logIndex, string token, string owner, string spender) => Event(
        block,
        Word(block),
        Word((block * LogsPerBlock) + logIndex),
        logIndex,
        token,
        ["0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925", AddressWord(owner), AddressWord(spender)],
        "0x" + new string('f', 64));

    private static SourceEvent Event(long block, string blockHash, string tx, long logIndex, string address, string[] topics, string data) =>
        new((block * LogsPerBlock) + logIndex, JsonSerializer.Serialize(new
        {
            blockNumber = block,
            blockHash,
            transactionHash = tx,
            logIndex,
            address,
            topics,
            data,
        }));

    private static string AddressWord(string address) => "0x" + address[2..].PadLeft(64, '0');

    private static string Word(long value) => "0x" + value.ToString("x64", CultureInfo.InvariantCulture);
}
