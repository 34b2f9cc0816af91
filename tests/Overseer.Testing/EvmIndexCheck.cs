using System.Text.Json;

namespace Overseer.Testing;

/// <summary>Checks what an <c>evm</c> worker committed against the node's own answers; each method returns the first
/// problem found (naming the worker, the position, expected and actual), or null when the stream is exact.</summary>
public static class EvmIndexCheck
{
    /// <summary>Blocks mode: exactly blocks <paramref name="from"/>..<paramref name="to"/>, once each, in order, each
    /// with the hash and parentHash the node has for it.</summary>
    public static async Task<string?> BlocksAsync(EvmRpc node, string workerId, IReadOnlyList<(long Seq, string Payload)> events, long from, long to)
    {
        if (events.Count != to - from + 1)
        {
            return $"worker '{workerId}' committed {events.Count} blocks, expected {to - from + 1} ({from}..{to})";
        }

        for (var i = 0; i < events.Count; i++)
        {
            var number = from + i;
            if (events[i].Seq != number)
            {
                return $"worker '{workerId}' event #{i} is block {events[i].Seq}, expected {number} (gap or duplicate)";
            }

            var block = await node.BlockAsync(number).ConfigureAwait(false);
            using var payload = JsonDocument.Parse(events[i].Payload);
            var (hash, parent) = (payload.RootElement.GetProperty("hash").GetString(), payload.RootElement.GetProperty("parentHash").GetString());
            if (hash != block.GetProperty("hash").GetString() || parent != block.GetProperty("parentHash").GetString())
            {
                return $"worker '{workerId}' block {number}: committed hash {hash} parent {parent}, node has {block.GetProperty("hash").GetString()} parent {block.GetProperty("parentHash").GetString()}";
            }
        }

        return null;
    }

    /// <summary>Logs mode: exactly the logs <c>eth_getLogs</c> returns for the range, address and topic0, in order, at
    /// seq blockNumber × 1,000,000 + logIndex, with the node's block and transaction hashes.</summary>
    public static async Task<string?> LogsAsync(EvmRpc node, string workerId, IReadOnlyList<(long Seq, string Payload)> events, long from, long to, string address, string topic0)
    {
        var logs = await node.LogsAsync(from, to, address, topic0).ConfigureAwait(false);
        if (logs.Length == 0 || events.Count != logs.Length)
        {
            return $"worker '{workerId}' committed {events.Count} logs, eth_getLogs {from}..{to} has {logs.Length}";
        }

        for (var i = 0; i < logs.Length; i++)
        {
            var seq = (EvmRpc.Number(logs[i].GetProperty("blockNumber").GetString()!) * 1_000_000) + EvmRpc.Number(logs[i].GetProperty("logIndex").GetString()!);
            using var payload = JsonDocument.Parse(events[i].Payload);
            if (events[i].Seq != seq
                || payload.RootElement.GetProperty("blockHash").GetString() != logs[i].GetProperty("blockHash").GetString()
                || payload.RootElement.GetProperty("transactionHash").GetString() != logs[i].GetProperty("transactionHash").GetString())
            {
                return $"worker '{workerId}' log #{i}: committed seq {events[i].Seq} {events[i].Payload}, eth_getLogs has seq {seq} {logs[i].GetRawText()}";
            }
        }

        return null;
    }
}
