using StackExchange.Redis;

namespace Overseer.Redis;

/// <summary>Redis key layout of Overseer's own data, scoped by ServiceId like Orleans' grain state.</summary>
/// <remarks>Per-worker keys carry the id as a hash tag (<c>{id}</c>) so a worker's stream and cursor live in one
/// slot, which the atomic commit script needs on Redis Cluster. Ids cannot contain braces.</remarks>
internal sealed class RedisKeys(string serviceId)
{
    private readonly string _prefix = $"overseer:{serviceId}:";

    /// <summary>Stream of committed events; entry id <c>{seq}-0</c>, field <c>p</c> = payload.</summary>
    public string Events(string workerId) => $"{_prefix}w:{{{workerId}}}:events";

    /// <summary>Hash <c>gen</c> (fencing generation) and <c>cp</c> (checkpoint), among others (<see cref="Outputs.Redis.RedisCursorStore"/>).</summary>
    public string Cursor(string workerId) => $"{_prefix}w:{{{workerId}}}:cursor";

    /// <summary>Set of the ids of the <c>stream</c> workers that follow this worker's <see cref="Events"/> (registered as
    /// they start, removed as they are deleted); a delete or rewind of the worker is refused while it holds any.</summary>
    public string Followers(string workerId) => $"{_prefix}w:{{{workerId}}}:followers";

    /// <summary>Hash <c>n</c> → <c>toSeq</c>: the worker's last rollbacks of its <see cref="Events"/> (the <c>n</c>th removed
    /// every entry after <c>toSeq</c>), <c>n</c> counted by the cursor's <c>rb</c>, so that the <c>stream</c> workers that
    /// follow it roll back with it (<see cref="Outputs.Redis.RollbackLog"/>).</summary>
    public string Rollbacks(string workerId) => $"{_prefix}w:{{{workerId}}}:rollbacks";

    /// <summary>The sharded pub/sub channel the commit script publishes the new checkpoint on when the worker has
    /// <see cref="Followers"/>: named as <see cref="Events"/>, so it carries the same <c>{id}</c> hash tag and a commit
    /// publishes within its own slot on Redis Cluster.</summary>
    public RedisChannel Commits(string workerId) => RedisChannel.Sharded(Events(workerId));

    /// <summary>The keys of a worker's multi-key scripts, together and in the order they take them: <c>KEYS[1]</c> =
    /// <see cref="Cursor"/>, <c>KEYS[2]</c> = <see cref="Events"/> (also the name of the <see cref="Commits"/> channel),
    /// <c>KEYS[3]</c> = <see cref="Followers"/>, <c>KEYS[4]</c> = <see cref="Rollbacks"/>. One hash slot (<c>{id}</c>), which Redis Cluster requires of a script's
    /// keys; the rule is tested over every script (HashSlotRuleTests).</summary>
    public RedisKey[] Worker(string workerId) => [Cursor(workerId), Events(workerId), Followers(workerId), Rollbacks(workerId)];

    /// <summary>Hash worker id → registry row (JSON) of one partition.</summary>
    public string Registry(int partition) => $"{_prefix}registry:{partition}";

    /// <summary>Keys of the running-worker pool, in one hash slot (<c>{pool}</c>) for its Lua scripts: a sorted set of
    /// slot holders scored by lease expiry (ms), a sorted set of pending ids scored by arrival number, a hash of pending
    /// ids' arrival times, a hash of grant statistics and the arrival counter.</summary>
    public string[] Pool => [$"{_prefix}{{pool}}:holders", $"{_prefix}{{pool}}:pending", $"{_prefix}{{pool}}:since", $"{_prefix}{{pool}}:stats", $"{_prefix}{{pool}}:seq"];

    /// <summary>Stream of operator commands (delete, rewind): who, what, outcome (<see cref="Operations.AuditLog"/>).</summary>
    public string Audit => $"{_prefix}audit";

    /// <summary>Hash of cluster-wide facts, e.g. the partition count.</summary>
    public string Meta => $"{_prefix}meta";
}
