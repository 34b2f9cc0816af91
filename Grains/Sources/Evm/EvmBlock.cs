using System.Text.Json;

namespace Overseer.Sources.Evm;

/// <summary>The header fields of one block the source indexes and checks.</summary>
internal sealed record EvmBlock(long Number, string Hash, string ParentHash, long Timestamp, int TransactionCount)
{
    /// <summary>From an <c>eth_getBlockByNumber(n, false)</c> result (transactions as hashes).</summary>
    public static EvmBlock From(JsonElement block) => new(
        EvmHex.Long(block, "number"),
        EvmHex.String(block, "hash"),
        EvmHex.String(block, "parentHash"),
        EvmHex.Long(block, "timestamp"),
        block.TryGetProperty("transactions", out var txs) && txs.ValueKind == JsonValueKind.Array ? txs.GetArrayLength() : 0);

    /// <summary>The blocks-mode payload: <c>{"number":…,"hash":"0x…","parentHash":"0x…","timestamp":…,"transactionCount":…}</c>, numbers in decimal.</summary>
    public string ToPayload() => JsonSerializer.Serialize(new { number = Number, hash = Hash, parentHash = ParentHash, timestamp = Timestamp, transactionCount = TransactionCount });
}
