using System.Buffers;
using System.Numerics;
using System.Text.Json;

namespace Erc20Indexer;

/// <summary>One ERC-20 <c>Transfer(address indexed from, address indexed to, uint256 value)</c>, decoded from the
/// payload of Overseer's <c>evm</c> source in logs mode (<c>{"blockNumber", "blockHash", "transactionHash", "logIndex",
/// "address", "topics", "data"}</c>, numbers in decimal, the rest as the node sent it).</summary>
/// <remarks>Decoded by hand rather than with an ABI library (Nethereum.ABI): the event is three fixed-width words (two
/// indexed addresses in topics[1] and topics[2], the uint256 value as the whole of data), so the decoding is a few
/// length checks and a hex to <see cref="BigInteger"/> conversion, and a malformed log fails with a message naming the
/// exact field. Addresses are lowercased so that one holder is one key.</remarks>
internal sealed record TransferLog(long Block, int LogIndex, string Transaction, string Token, string From, string To, BigInteger Value)
{
    /// <summary>keccak256("Transfer(address,address,uint256)"); ERC-721 shares it, with the token id as a fourth topic.</summary>
    public const string Topic0 = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";

    /// <summary>Mints are transfers from it and burns transfers to it; it holds no balance.</summary>
    public const string ZeroAddress = "0x0000000000000000000000000000000000000000";

    private const int WordHexDigits = 64;   // 32 bytes
    private const int AddressHexDigits = 40; // 20 bytes, right-aligned in a word

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>The transfer in <paramref name="payload"/>, or null when the log is not a Transfer (another event of the
    /// same contract). Throws <see cref="FormatException"/> naming the worker, the seq and the field when the payload is
    /// not an evm log, or the log has Transfer's topic0 but not the shape of an ERC-20 Transfer.</summary>
    public static TransferLog? Decode(string workerId, long seq, string payload)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload);
        }
        catch (JsonException ex)
        {
            throw Malformed(workerId, seq, "payload", $"is not JSON ({ex.Message}); expected an evm log (the evm source in logs mode)");
        }

        using (document)
        {
            var log = document.RootElement;
            if (log.ValueKind != JsonValueKind.Object)
            {
                throw Malformed(workerId, seq, "payload", $"is a JSON {log.ValueKind}, not an object; expected an evm log (the evm source in logs mode)");
            }

            var topics = Array(workerId, seq, log, "topics");
            if (topics.Length == 0 || !string.Equals(topics[0], Topic0, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            if (topics.Length != 3)
            {
                throw Malformed(workerId, seq, "topics", $"has {topics.Length} entries; an ERC-20 Transfer has 3 (topic0, from, to) — 4 is an ERC-721 Transfer, which this handler does not index");
            }

            return new TransferLog(
                Number(workerId, seq, log, "blockNumber"),
                checked((int)Number(workerId, seq, log, "logIndex")),
                Hex(workerId, seq, "transactionHash", Text(workerId, seq, log, "transactionHash"), WordHexDigits),
                Address(workerId, seq, "address", Text(workerId, seq, log, "address")),
                AddressWord(workerId, seq, "topics[1]", topics[1]),
                AddressWord(workerId, seq, "topics[2]", topics[2]),
                new BigInteger(Convert.FromHexString(Hex(workerId, seq, "data", Text(workerId, seq, log, "data"), WordHexDigits).AsSpan(2)), isUnsigned: true, isBigEndian: true));
        }
    }

    private static string[] Array(string workerId, long seq, JsonElement log, string field) =>
        log.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray().Select((t, i) => t.ValueKind == JsonValueKind.String ? t.GetString()! : throw Malformed(workerId, seq, $"{field}[{i}]", $"is a JSON {t.ValueKind}; expected a hex string"))]
            : throw Malformed(workerId, seq, field, "is missing or not an array; expected an evm log (the evm source in logs mode)");

    private static string Text(string workerId, long seq, JsonElement log, string field) =>
        log.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()!
            : throw Malformed(workerId, seq, field, "is missing or not a string");

    private static long Number(string workerId, long seq, JsonElement log, string field) =>
        log.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && number >= 0 ? number
            : throw Malformed(workerId, seq, field, "is missing or not a non-negative integer");

    // 0x and exactly `digits` hex digits, lowercased.
    private static string Hex(string workerId, long seq, string field, string value, int digits) =>
        value.Length == 2 + digits && value.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && !value.AsSpan(2).ContainsAnyExcept(HexDigits)
            ? value.ToLowerInvariant()
            : throw Malformed(workerId, seq, field, $"is '{value}'; expected 0x and {digits} hex digits ({digits / 2} bytes)");

    private static string Address(string workerId, long seq, string field, string value) => Hex(workerId, seq, field, value, AddressHexDigits);

    // An indexed address: a 32-byte word whose first 12 bytes are zero.
    private static string AddressWord(string workerId, long seq, string field, string value)
    {
        var word = Hex(workerId, seq, field, value, WordHexDigits);
        var padding = WordHexDigits - AddressHexDigits;
        return !word.AsSpan(2, padding).ContainsAnyExcept('0')
            ? "0x" + word[(2 + padding)..]
            : throw Malformed(workerId, seq, field, $"is '{value}', not an address: its first 12 bytes must be zero");
    }

    private static FormatException Malformed(string workerId, long seq, string field, string problem) =>
        new($"worker '{workerId}', seq {seq}: {field} {problem}");
}
