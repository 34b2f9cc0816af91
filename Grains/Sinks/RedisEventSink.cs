using System.Globalization;
using Overseer.Sources;
using StackExchange.Redis;

namespace Overseer.Sinks;

/// <summary>Commits events to one Redis stream per worker, with the checkpoint beside it in a hash, in one Lua script.</summary>
internal sealed class RedisEventSink(IConnectionMultiplexer redis, RedisKeys keys) : IEventSink
{
    // KEYS: cursor, stream. ARGV: generation, expected checkpoint, then seq/payload pairs.
    // Returns {1, cp} committed, {0, cp} fenced. A lost reply is retried with the same expected checkpoint:
    // the cursor is then already at the batch's last seq, which is reported as committed (idempotent).
    private const string CommitScript = """
        local gen = redis.call('HGET', KEYS[1], 'gen')
        local cp = tonumber(redis.call('HGET', KEYS[1], 'cp') or '0')
        if gen ~= ARGV[1] then return {0, cp} end
        local last = tonumber(ARGV[#ARGV - 1])
        if cp == last then return {1, cp} end
        if cp ~= tonumber(ARGV[2]) then return redis.error_reply('OVERSEER checkpoint moved: expected ' .. ARGV[2] .. ', found ' .. cp) end
        for i = 3, #ARGV, 2 do
          redis.call('XADD', KEYS[2], ARGV[i] .. '-0', 'p', ARGV[i + 1])
        end
        redis.call('HSET', KEYS[1], 'cp', last)
        return {1, last}
        """;

    private const string ClaimScript = """
        local gen = redis.call('HINCRBY', KEYS[1], 'gen', 1)
        local cp = tonumber(redis.call('HGET', KEYS[1], 'cp') or '0')
        if cp == 0 then redis.call('HSET', KEYS[1], 'cp', 0) end
        return {gen, cp}
        """;

    private IDatabase Db => redis.GetDatabase();

    public async Task<SinkCursor> ClaimAsync(string workerId, CancellationToken cancellationToken)
    {
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(ClaimScript, [keys.Cursor(workerId)]).WaitAsync(cancellationToken).ConfigureAwait(false))!;
        return new SinkCursor((long)result[0], (long)result[1]);
    }

    public async Task<CommitResult> CommitAsync(string workerId, long generation, long checkpoint, IReadOnlyList<SourceEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return new CommitResult(CommitOutcome.Committed, checkpoint);
        }

        var args = new RedisValue[2 + (events.Count * 2)];
        args[0] = generation.ToString(CultureInfo.InvariantCulture);
        args[1] = checkpoint;
        var previous = checkpoint;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (e.Seq <= previous)
            {
                throw new InvalidOperationException(
                    $"source returned seq {e.Seq} after {previous} for worker '{workerId}': sequence numbers must increase past the checkpoint");
            }

            previous = e.Seq;
            args[2 + (2 * i)] = e.Seq;
            args[3 + (2 * i)] = e.Payload;
        }

        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(CommitScript, [keys.Cursor(workerId), keys.Events(workerId)], args)
            .WaitAsync(cancellationToken).ConfigureAwait(false))!;
        return new CommitResult((long)result[0] == 1 ? CommitOutcome.Committed : CommitOutcome.Fenced, (long)result[1]);
    }

    public async Task<IReadOnlyList<SourceEvent>> ReadAsync(string workerId, long fromSeq, int count, CancellationToken cancellationToken)
    {
        var entries = await Db.StreamRangeAsync(keys.Events(workerId), minId: $"{fromSeq}-0", maxId: "+", count: count)
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        var events = new SourceEvent[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            var id = (string)entries[i].Id!;
            var seq = long.Parse(id.AsSpan(0, id.IndexOf('-', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
            events[i] = new SourceEvent(seq, (string)entries[i]["p"]!);
        }

        return events;
    }

    public async Task<SinkCursor> GetCursorAsync(string workerId, CancellationToken cancellationToken)
    {
        var values = await Db.HashGetAsync(keys.Cursor(workerId), ["gen", "cp"]).WaitAsync(cancellationToken).ConfigureAwait(false);
        return new SinkCursor(values[0].IsNull ? 0 : (long)values[0], values[1].IsNull ? 0 : (long)values[1]);
    }

    public async Task<long> GetCheckpointAsync(string workerId, CancellationToken cancellationToken)
    {
        var cp = await Db.HashGetAsync(keys.Cursor(workerId), "cp").WaitAsync(cancellationToken).ConfigureAwait(false);
        return cp.IsNull ? 0 : (long)cp;
    }
}
