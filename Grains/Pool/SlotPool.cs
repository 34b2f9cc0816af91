using Microsoft.Extensions.Options;
using Overseer.Hosting;
using Overseer.Outputs;
using Overseer.Redis;
using StackExchange.Redis;

namespace Overseer.Pool;

/// <summary>The cluster-wide running-worker pool (Poolboy across silos): at most <see cref="PoolOptions.MaxRunningWorkers"/>
/// slots, held by worker id with a lease, and a FIFO queue of pending ids — all in Redis, one Lua script per operation,
/// so it survives the restart of anything and two silos can never both take the last slot.</summary>
/// <remarks>Time is Redis' own clock (<c>TIME</c>), so silos' clocks cannot skew leases. A slot is per worker id, not per
/// activation or run: a restart after backoff, a move and a recovery on another silo find the slot still theirs.
/// Fairness: a free slot goes to the first pending ids; a newcomer gets one only when there are more free slots than
/// pending ids. Knows nothing of grains: the worker acquires before a run and releases when it ends for good.</remarks>
internal sealed class SlotPool(IConnectionMultiplexer redis, RedisKeys keys, IOptions<PoolOptions> options)
{
    /// <summary>Pending ids one status or release call returns at most (the ones a poke can start now).</summary>
    internal const int MaxNext = 256;

    // KEYS: holders, pending, since, stats, seq (RedisKeys.Pool). Every script first returns expired slots.
    private const string Now = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        """;

    // ARGV: id, cap, lease ms, queue (1) or try (0). Returns {granted, position, waited ms (-1 = already held), lease
    // expiry (Redis ms; 0 when not granted)}.
    private const string AcquireScript = Now + """
        local id = ARGV[1]
        local lease = now + tonumber(ARGV[3])
        if redis.call('ZSCORE', KEYS[1], id) then
          redis.call('ZADD', KEYS[1], 'GT', lease, id)
          return {1, 0, -1, tonumber(redis.call('ZSCORE', KEYS[1], id))}
        end
        local free = tonumber(ARGV[2]) - redis.call('ZCARD', KEYS[1])
        local rank = redis.call('ZRANK', KEYS[2], id)
        local ahead = rank or redis.call('ZCARD', KEYS[2])
        if free > ahead then
          redis.call('ZADD', KEYS[1], lease, id)
          local waited = 0
          if rank then
            waited = math.max(0, now - tonumber(redis.call('HGET', KEYS[3], id) or now))
            redis.call('ZREM', KEYS[2], id)
            redis.call('HDEL', KEYS[3], id)
          end
          redis.call('HINCRBY', KEYS[4], 'grants', 1)
          redis.call('HINCRBY', KEYS[4], 'waitMs', waited)
          return {1, 0, waited, lease}
        end
        if not rank then
          if ARGV[4] ~= '1' then return {0, 0, 0, 0} end
          redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[5]), id)
          redis.call('HSET', KEYS[3], id, now)
          rank = ahead
        end
        return {0, rank + 1, 0, 0}
        """;

    // ARGV: lease ms, id… Extends each held slot (never shortens it: GT). Returns each lease expiry (Redis ms) in the
    // order of the ids, 0 for one that had expired.
    private const string RenewScript = Now + """
        local lease = now + tonumber(ARGV[1])
        local out = {}
        for i = 2, #ARGV do
          if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
            redis.call('ZADD', KEYS[1], 'GT', lease, ARGV[i])
            out[i - 1] = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[i]))
          else
            out[i - 1] = 0
          end
        end
        return out
        """;

    // ARGV: id, cap, max next. Gives the slot back and leaves the queue. Returns the pending ids that can run now.
    private const string ReleaseScript = Now + """
        redis.call('ZREM', KEYS[1], ARGV[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('HDEL', KEYS[3], ARGV[1])
        local free = math.min(tonumber(ARGV[2]) - redis.call('ZCARD', KEYS[1]), tonumber(ARGV[3]))
        if free <= 0 then return {} end
        return redis.call('ZRANGE', KEYS[2], 0, free - 1)
        """;

    // ARGV: cap, max next. Returns {in use, pending, grants, wait ms total, {next ids}}.
    private const string StatusScript = Now + """
        local used = redis.call('ZCARD', KEYS[1])
        local free = math.min(tonumber(ARGV[1]) - used, tonumber(ARGV[2]))
        local stats = redis.call('HMGET', KEYS[4], 'grants', 'waitMs')
        local next = {}
        if free > 0 then next = redis.call('ZRANGE', KEYS[2], 0, free - 1) end
        return {used, redis.call('ZCARD', KEYS[2]), tonumber(stats[1] or '0'), tonumber(stats[2] or '0'), next}
        """;

    private readonly RedisKey[] _keys = [.. keys.Pool.Select(k => (RedisKey)k)];

    private PoolOptions Options => options.Value;

    private IDatabase Db => redis.GetDatabase();

    /// <summary>Whether a cap is configured; without one every call is a no-op that grants.</summary>
    internal bool Capped => Options.Capped;

    /// <summary>Takes a slot for <paramref name="workerId"/> (or renews the one it holds). If none is free: with
    /// <paramref name="queue"/> the id joins the pending queue (keeping its place if already there), otherwise nothing changes.</summary>
    internal async Task<SlotGrant> AcquireAsync(string workerId, bool queue, CancellationToken cancellationToken)
    {
        if (!Capped)
        {
            return new SlotGrant(true, 0, null, LeaseUntil: 0);
        }

        var r = (RedisResult[])(await Db.ScriptEvaluateAsync(
            AcquireScript, _keys, [workerId, Options.MaxRunningWorkers, LeaseMs(Options.SlotLease), queue ? 1 : 0])
            .WaitAsync(cancellationToken).ConfigureAwait(false))!;
        var waited = (long)r[2];
        return new SlotGrant((long)r[0] == 1, (long)r[1], waited < 0 ? null : TimeSpan.FromMilliseconds(waited), (long)r[3]);
    }

    /// <summary>Extends the slot's lease to <paramref name="lease"/> from now (never shortens it) and returns its expiry
    /// in Redis time (Unix ms). 0 if the worker no longer holds a slot (its lease expired, e.g. after a long pause): it
    /// must acquire again before running on. Uncapped: 0, and nothing is checked.</summary>
    internal async Task<long> RenewAsync(string workerId, TimeSpan lease, CancellationToken cancellationToken)
    {
        if (!Capped)
        {
            return 0;
        }

        return (await RenewManyAsync([workerId], lease, cancellationToken))[0];
    }

    /// <summary><see cref="RenewAsync"/> for many workers in one script (the silo's heartbeat sweep): each expiry in the
    /// order of <paramref name="workerIds"/>, 0 for a worker that no longer holds a slot. Uncapped: all 0.</summary>
    internal async Task<long[]> RenewManyAsync(IReadOnlyList<string> workerIds, TimeSpan lease, CancellationToken cancellationToken)
    {
        if (!Capped || workerIds.Count == 0)
        {
            return new long[workerIds.Count];
        }

        var args = new RedisValue[workerIds.Count + 1];
        args[0] = LeaseMs(lease);
        for (var i = 0; i < workerIds.Count; i++)
        {
            args[i + 1] = workerIds[i];
        }

        var r = (RedisResult[])(await Db.ScriptEvaluateAsync(RenewScript, _keys, args)
            .WaitAsync(cancellationToken).ConfigureAwait(false))!;
        return [.. r.Select(v => (long)v)];
    }

    /// <summary>Gives the worker's slot back and removes it from the queue (idempotent). Returns the pending ids that
    /// can take a slot now, first in line first; the caller wakes them.</summary>
    internal async Task<IReadOnlyList<string>> ReleaseAsync(string workerId, CancellationToken cancellationToken)
    {
        if (!Capped)
        {
            return [];
        }

        var next = await Db.ScriptEvaluateAsync(ReleaseScript, _keys, [workerId, Options.MaxRunningWorkers, MaxNext])
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        return [.. ((RedisResult[])next!).Select(v => (string)v!)];
    }

    /// <summary>Size, slots in use, queue length, average wait, and the pending ids a free slot is waiting for.</summary>
    internal async Task<PoolStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        if (!Capped)
        {
            return PoolStatus.Unlimited;
        }

        var r = (RedisResult[])(await Db.ScriptEvaluateAsync(StatusScript, _keys, [Options.MaxRunningWorkers, MaxNext])
            .WaitAsync(cancellationToken).ConfigureAwait(false))!;
        var grants = (long)r[2];
        var average = grants == 0 ? 0 : (double)(long)r[3] / grants;
        return new PoolStatus(Options.MaxRunningWorkers, (long)r[0], (long)r[1], average, [.. ((RedisResult[])r[4]!).Select(v => (string)v!)]);
    }

    private static long LeaseMs(TimeSpan lease) => (long)Math.Ceiling(lease.TotalMilliseconds);
}
