using System.Text;

namespace Overseer.Registry;

/// <summary>Maps a worker id to its partition with a stable hash (FNV-1a over UTF-8), never string.GetHashCode,
/// which differs per process.</summary>
internal static class WorkerPartitioner
{
    public static int PartitionOf(string workerId, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        const uint offset = 2166136261;
        const uint prime = 16777619;
        var hash = offset;
        Span<byte> utf8 = workerId.Length <= 256 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(workerId.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(workerId.Length)];
        foreach (var b in utf8[..Encoding.UTF8.GetBytes(workerId, utf8)])
        {
            hash = (hash ^ b) * prime;
        }

        return (int)(hash % (uint)partitions);
    }
}
