using System.Globalization;
using StackExchange.Redis;
using Overseer.Redis;

namespace Overseer.Outputs.Redis;

/// <summary>The cursors of workers on the Redis stream output: a hash per worker beside its stream.</summary>
/// <remarks>The cursor hash (<see cref="RedisKeys.Cursor"/>) holds <c>gen</c> (fencing generation), <c>cp</c>
/// (checkpoint), <c>tok</c> (source token, absent until a source commits one), <c>stop</c> (present while the worker
/// is stopped) and <c>hv</c> (the handler version its events were committed with; absent until the first commit of a
/// worker with a handler, and again after a rewind to 0). The commit that checks them is <see cref="RedisStreamOutput"/>'s script.
/// <para>A claim, a create and a stop are writes through <see cref="ReplicaAcks"/>: with <c>Overseer:Redis:MinReplicaAcks</c>
/// the generation that fences older runs counts only once enough replicas have it, so a failover cannot bring back a
/// generation a stale run still holds.</para></remarks>
internal sealed class RedisCursorStore(IConnectionMultiplexer redis, RedisKeys keys, ReplicaAcks acks) : ICursorStore
{
    // KEYS: cursor. ARGV: start (1 = clear the stop first), handler version to record ('' = keep; an accept), the newest
    // generation the claimer knows ('' = any). Returns {claimed 1/0, gen, cp, tok, hv ('' = none)}, or {-1} (nothing
    // changed) when the stored generation is above the known one. A cursor without cp was never created (or was deleted;
    // a stop alone leaves gen and stop): only a start creates one.
    private const string ClaimScript = PrimaryOnly.Shebang + Generations.Lua + "\n" + """
        if ARGV[3] ~= '' and tonumber(redis.call('HGET', KEYS[1], 'gen') or '0') > tonumber(ARGV[3]) then return {-1} end
        if ARGV[1] == '1' then redis.call('HDEL', KEYS[1], 'stop') end
        local c = redis.call('HMGET', KEYS[1], 'cp', 'tok', 'stop', 'gen', 'hv')
        if c[3] or (not c[1] and ARGV[1] ~= '1') then return {0, tonumber(c[4] or '0'), tonumber(c[1] or '0'), c[2] or '', c[5] or ''} end
        local gen = nextgen(KEYS[1])
        if not c[1] then redis.call('HSET', KEYS[1], 'cp', 0) end
        local hv = c[5] or ''
        if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'hv', ARGV[2]) hv = ARGV[2] end
        return {1, gen, tonumber(c[1] or '0'), c[2] or '', hv}
        """;

    // KEYS: cursor. ARGV: the newest generation the stopper knows ('' = any). Returns {gen, cp, tok, hv}: the stop and the
    // generation bump are one step; or {-1}, nothing changed, when the stored generation is above the known one.
    private const string StopScript = PrimaryOnly.Shebang + Generations.Lua + "\n" + """
        if ARGV[1] ~= '' and tonumber(redis.call('HGET', KEYS[1], 'gen') or '0') > tonumber(ARGV[1]) then return {-1} end
        local gen = nextgen(KEYS[1])
        redis.call('HSET', KEYS[1], 'stop', 1)
        local c = redis.call('HMGET', KEYS[1], 'cp', 'tok', 'hv')
        return {gen, tonumber(c[1] or '0'), c[2] or '', c[3] or ''}
        """;

    // KEYS: cursor, stream (followers unused). ARGV: the newest generation the creator knows ('' = any). Returns {gen},
    // {-1, events} when the stream still holds events, or {-2} when the stored generation is above the known one.
    private const string CreateScript = PrimaryOnly.Shebang + Generations.Lua + "\n" + """
        if ARGV[1] ~= '' and tonumber(redis.call('HGET', KEYS[1], 'gen') or '0') > tonumber(ARGV[1]) then return {-2} end
        local n = redis.call('XLEN', KEYS[2])
        if n > 0 then return {-1, n} end
        local gen = nextgen(KEYS[1])
        redis.call('HSET', KEYS[1], 'cp', 0)
        redis.call('HDEL', KEYS[1], 'tok', 'stop', 'hv')
        return {gen}
        """;

    // KEYS: cursor. Returns {gen, cp, tok, stop, hv} as stored (absent fields nil): a read the primary answers or nobody
    // does (PrimaryOnly).
    private const string GetScript = PrimaryOnly.Shebang + """
        return redis.call('HMGET', KEYS[1], 'gen', 'cp', 'tok', 'stop', 'hv')
        """;

    private IDatabase Db => redis.GetDatabase();

    public async Task<WorkerCursor?> ClaimAsync(string workerId, bool start, int? acceptVersion, long? knownGeneration, CancellationToken cancellationToken)
    {
        RedisValue accept = acceptVersion is { } v ? v.ToString(CultureInfo.InvariantCulture) : string.Empty;
        RedisValue known = knownGeneration is { } g ? g.ToString(CultureInfo.InvariantCulture) : string.Empty;
        var r = (RedisResult[])(await acks.WriteAsync(workerId, keys.Cursor(workerId), db => db.ScriptEvaluateAsync(ClaimScript, [keys.Cursor(workerId)], [start ? 1 : 0, accept, known]))
            .WaitAsync(cancellationToken).ConfigureAwait(false))!;
        return (long)r[0] < 0 ? null : new WorkerCursor((long)r[1], (long)r[2], Token(r[3]), Stopped: (long)r[0] == 0, Version(r[4]));
    }

    public async Task<WorkerCursor?> CreateAsync(string workerId, long? knownGeneration, CancellationToken cancellationToken)
    {
        RedisValue known = knownGeneration is { } g ? g.ToString(CultureInfo.InvariantCulture) : string.Empty;
        var r = (RedisResult[])(await acks.WriteAsync(workerId, keys.Cursor(workerId), db => db.ScriptEvaluateAsync(CreateScript, keys.Worker(workerId), [known]))
            .WaitAsync(cancellationToken).ConfigureAwait(false))!;
        return (long)r[0] < 0 ? null : new WorkerCursor((long)r[0], 0, null, Stopped: false);
    }

    public async Task<WorkerCursor?> StopAsync(string workerId, long? knownGeneration, CancellationToken cancellationToken)
    {
        RedisValue known = knownGeneration is { } g ? g.ToString(CultureInfo.InvariantCulture) : string.Empty;
        var r = (RedisResult[])(await acks.WriteAsync(workerId, keys.Cursor(workerId), db => db.ScriptEvaluateAsync(StopScript, [keys.Cursor(workerId)], [known]))
            .WaitAsync(cancellationToken).ConfigureAwait(false))!;
        return (long)r[0] < 0 ? null : new WorkerCursor((long)r[0], (long)r[1], Token(r[2]), Stopped: true, Version(r[3]));
    }

    /// <summary>The stored cursor, as the primary has it: a read decides where a worker resumes, so a replica (which
    /// StackExchange.Redis reads from by default while no primary answers, and may take for the primary while a failover
    /// is under way) may be behind and is never asked: the read demands the primary and is a script a replica refuses
    /// (<see cref="PrimaryOnly"/>). Without a primary the read fails as an outage, which the retrying store rides out.</summary>
    public async Task<WorkerCursor> GetAsync(string workerId, CancellationToken cancellationToken)
    {
        var v = (RedisResult[])(await Db.ScriptEvaluateAsync(GetScript, [keys.Cursor(workerId)], flags: CommandFlags.DemandMaster).WaitAsync(cancellationToken).ConfigureAwait(false))!;
        return new WorkerCursor(v[0].IsNull ? 0 : (long)v[0], v[1].IsNull ? 0 : (long)v[1], Token(v[2]), !v[3].IsNull, Version(v[4]));
    }

    /// <summary>A script's handler version: '' (none) or the number.</summary>
    internal static int? Version(RedisResult value)
    {
        var version = value.IsNull ? null : (string?)value;
        return string.IsNullOrEmpty(version) ? null : int.Parse(version, CultureInfo.InvariantCulture);
    }

    internal static string? Token(RedisResult value)
    {
        var token = value.IsNull ? null : (string?)value;
        return string.IsNullOrEmpty(token) ? null : token;
    }
}
