using System.Text.Json;

namespace Overseer.Sources.Evm;

/// <summary>One log of an <c>eth_getLogs</c> answer.</summary>
internal sealed record EvmLog(long BlockNumber, string BlockHash, string TransactionHash, long LogIndex, string Address, IReadOnlyList<string> Topics, string Data, bool Removed)
{
    public long Seq => EvmPosition.LogSeq(BlockNumber, LogIndex);

    public static EvmLog From(JsonElement log) => new(
        EvmHex.Long(log, "blockNumber"),
        EvmHex.String(log, "blockHash"),
        EvmHex.String(log, "transactionHash"),
        EvmHex.Long(log, "logIndex"),
        EvmHex.String(log, "address"),
        log.TryGetProperty("topics", out var topics) ? [.. topics.EnumerateArray().Select(t => t.GetString() ?? "")] : [],
        EvmHex.String(log, "data"),
        log.TryGetProperty("removed", out var removed) && removed.ValueKind == JsonValueKind.True);

    /// <summary>The logs-mode payload: <c>blockNumber</c>, <c>blockHash</c>, <c>transactionHash</c>, <c>logIndex</c>,
    /// <c>address</c>, <c>topics</c>, <c>data</c>; numbers in decimal, the rest as the node sent it.</summary>
    public string ToPayload() => JsonSerializer.Serialize(new
    {
        blockNumber = BlockNumber,
        blockHash = BlockHash,
        transactionHash = TransactionHash,
        logIndex = LogIndex,
        address = Address,
        topics = Topics,
        data = Data,
    });
}
