using System.Globalization;
using System.Text.Json;
using Overseer.Models;
using Overseer.Testing;

namespace Overseer.Tests.Grains;

/// <summary>Reading what an evm worker committed and checking it against the node's own answers.</summary>
internal static class EvmChain
{
    public static async Task<List<WorkerEvent>> EventsAsync(IClusterClient client, string id)
    {
        var worker = client.GetGrain<IWorkerGrain>(id);
        var all = new List<WorkerEvent>();
        for (long from = 1; ; from = all[^1].Seq + 1)
        {
            var page = await worker.GetEventsAsync(from, 5000);
            all.AddRange(page);
            if (page.Length < 5000)
            {
                break;
            }
        }

        return all;
    }

    /// <summary>Blocks mode: exactly blocks <paramref name="from"/>..<paramref name="to"/>, once each, in order, each
    /// with the node's hash, parentHash, timestamp and transaction count.</summary>
    public static async Task AssertBlocksAsync(IClusterClient client, EvmRpc node, string id, long from, long to)
    {
        var events = await EventsAsync(client, id);
        Assert.True(events.Count == to - from + 1, $"worker '{id}' committed {events.Count} blocks, expected {to - from + 1} ({from}..{to}); first {events.FirstOrDefault()?.Seq}, last {events.LastOrDefault()?.Seq}");
        for (var i = 0; i < events.Count; i++)
        {
            var number = from + i;
            Assert.True(events[i].Seq == number, $"worker '{id}' event #{i} is block {events[i].Seq}, expected {number} (gap or duplicate)");
            var block = await node.BlockAsync(number);
            using var payload = JsonDocument.Parse(events[i].Payload);
            var p = payload.RootElement;
            Assert.Equal(number, p.GetProperty("number").GetInt64());
            Assert.True(
                block.GetProperty("hash").GetString() == p.GetProperty("hash").GetString(),
                $"worker '{id}' block {number}: committed hash {p.GetProperty("hash").GetString()}, node has {block.GetProperty("hash").GetString()}");
            Assert.Equal(block.GetProperty("parentHash").GetString(), p.GetProperty("parentHash").GetString());
            Assert.Equal(EvmRpc.Number(block.GetProperty("timestamp").GetString()!), p.GetProperty("timestamp").GetInt64());
            Assert.Equal(block.GetProperty("transactions").GetArrayLength(), p.GetProperty("transactionCount").GetInt32());
        }
    }

    /// <summary>Logs mode: exactly what <c>eth_getLogs</c> returns for the same address, topic0 and range, in order,
    /// each at seq blockNumber × 1,000,000 + logIndex, with the node's fields.</summary>
    public static async Task AssertLogsAsync(IClusterClient client, EvmRpc node, string id, long from, long to, string address, string topic0)
    {
        var events = await EventsAsync(client, id);
        var logs = await node.LogsAsync(from, to, address, topic0);
        Assert.True(logs.Length > 0, $"eth_getLogs {from}..{to} returned no logs: the test emitted none");
        Assert.True(events.Count == logs.Length, $"worker '{id}' committed {events.Count} logs, eth_getLogs {from}..{to} has {logs.Length}");
        for (var i = 0; i < logs.Length; i++)
        {
            var log = logs[i];
            var block = EvmRpc.Number(log.GetProperty("blockNumber").GetString()!);
            var index = EvmRpc.Number(log.GetProperty("logIndex").GetString()!);
            Assert.True(events[i].Seq == (block * 1_000_000) + index, $"worker '{id}' log #{i} has seq {events[i].Seq}, expected block {block} log {index}");
            using var payload = JsonDocument.Parse(events[i].Payload);
            var p = payload.RootElement;
            Assert.Equal(block, p.GetProperty("blockNumber").GetInt64());
            Assert.Equal(index, p.GetProperty("logIndex").GetInt64());
            Assert.Equal(log.GetProperty("blockHash").GetString(), p.GetProperty("blockHash").GetString());
            Assert.Equal(log.GetProperty("transactionHash").GetString(), p.GetProperty("transactionHash").GetString());
            Assert.Equal(log.GetProperty("address").GetString(), p.GetProperty("address").GetString());
            Assert.Equal(log.GetProperty("data").GetString(), p.GetProperty("data").GetString());
            Assert.Equal(
                log.GetProperty("topics").EnumerateArray().Select(t => t.GetString()),
                p.GetProperty("topics").EnumerateArray().Select(t => t.GetString()));
        }
    }

    public static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
