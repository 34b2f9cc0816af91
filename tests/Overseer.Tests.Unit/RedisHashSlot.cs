using System.Text;

namespace Overseer.Tests.Unit;

/// <summary>Redis Cluster's key → hash slot map, as the cluster specification defines it: CRC16 (XModem) of the key, or
/// of its hash tag (the text between the first <c>{</c> and the next <c>}</c>, when not empty), modulo 16384.</summary>
/// <remarks>Written out here rather than taken from a connected multiplexer so that the rule's test needs no server;
/// <c>HashSlotRuleTests</c> pins it to the specification's test vector and hash-tag examples.</remarks>
internal static class RedisHashSlot
{
    public const int Slots = 16384;

    public static int Of(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        var open = Array.IndexOf(bytes, (byte)'{');
        if (open >= 0)
        {
            var close = Array.IndexOf(bytes, (byte)'}', open + 1);
            if (close > open + 1)
            {
                bytes = bytes[(open + 1)..close];
            }
        }

        return Crc16(bytes) % Slots;
    }

    private static int Crc16(byte[] bytes)
    {
        var crc = 0;
        foreach (var b in bytes)
        {
            crc ^= b << 8;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? ((crc << 1) ^ 0x1021) & 0xFFFF : (crc << 1) & 0xFFFF;
            }
        }

        return crc;
    }
}
