using Overseer.Sources.Sequence;
using StackExchange.Redis;

namespace Overseer.Drill;

/// <summary>What the checker reads from Redis itself, not through a grain (a grain call would wake a stopped worker
/// and take the product's word for what it did): a worker's checkpoint and stream, and the pool's slot holders.</summary>
internal sealed class StoreReads(DrillCluster cluster)
{
    // KEYS[1] = the pool's holders (scored by lease expiry, Redis ms): those whose lease has not run out.
    private const string HoldersScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
        """;

    private IDatabase Db => cluster.Mux.GetDatabase();

    /// <summary>The committed checkpoint (0 when the worker has no cursor).</summary>
    public async Task<long> CheckpointAsync(string workerId)
    {
        var cp = await Db.HashGetAsync(cluster.Keys.Cursor(workerId), "cp");
        return cp.IsNull ? 0 : (long)cp;
    }

    public Task<bool> CursorExistsAsync(string workerId) => Db.KeyExistsAsync(cluster.Keys.Cursor(workerId));

    public Task<long> StreamLengthAsync(string workerId) => Db.StreamLengthAsync(cluster.Keys.Events(workerId));

    /// <summary>Every committed event of the worker, in stream order.</summary>
    public async Task<IReadOnlyList<(long Seq, string Payload)>> EventsAsync(string workerId)
    {
        var events = new List<(long, string)>();
        RedisValue from = "-";
        while (true)
        {
            var page = await Db.StreamRangeAsync(cluster.Keys.Events(workerId), from, "+", count: 5000);
            foreach (var entry in page)
            {
                var seq = long.Parse(((string)entry.Id!).Split('-')[0], System.Globalization.CultureInfo.InvariantCulture);
                events.Add((seq, (string)entry["p"]!));
            }

            if (page.Length < 5000)
            {
                return events;
            }

            from = "(" + (string)page[^1].Id!;
        }
    }

    /// <summary>The ids holding a pool slot whose lease has not run out.</summary>
    public async Task<string[]> HoldersAsync()
    {
        var result = await Db.ScriptEvaluateAsync(HoldersScript, [cluster.Keys.Pool[0]]);
        return [.. ((RedisResult[])result!).Select(r => (string)r!)];
    }

    public Task<long> PendingAsync() => Db.SortedSetLengthAsync(cluster.Keys.Pool[1]);

    /// <summary>The payload the <c>sequence</c> source gives event <paramref name="seq"/> of <paramref name="workerId"/>.</summary>
    public static string SequencePayload(string workerId, long seq) => SequenceSource.Payload(workerId, seq);
}
