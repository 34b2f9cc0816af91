using System.Globalization;
using System.Text.Json;
using Overseer.Sources.Feeds;

namespace Overseer.Sources.Evm;

/// <summary>JSON-RPC hex quantities (<c>0x1b4</c>) to and from numbers.</summary>
internal static class EvmHex
{
    public static string Quantity(long value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    public static long Long(JsonElement element, string field) =>
        element.TryGetProperty(field, out var value) && value.GetString() is { } s ? Parse(s, field) : throw new FeedUnavailableException($"node answer has no {field}: {element.GetRawText()}");

    public static string String(JsonElement element, string field) =>
        element.TryGetProperty(field, out var value) && value.GetString() is { } s ? s : throw new FeedUnavailableException($"node answer has no {field}");

    public static long Parse(string hex, string what) =>
        hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
        && ulong.TryParse(hex.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
        && value <= long.MaxValue
            ? (long)value
            : throw new FeedUnavailableException($"node sent {what}='{hex}': expected a 0x-prefixed hex quantity");
}
