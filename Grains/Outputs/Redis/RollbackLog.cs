using System.Globalization;
using StackExchange.Redis;

namespace Overseer.Outputs.Redis;

/// <summary>What a worker's Redis stream took back, for the <c>stream</c> workers that follow it: the cursor's
/// <c>rb</c> counts the worker's rollbacks (a reorg rolled back, or a rewind), and its rollback log
/// (<see cref="Overseer.Redis.RedisKeys.Rollbacks"/>) holds <c>n</c> → <c>toSeq</c> for the last <see cref="Kept"/> of
/// them: the <c>n</c>th removed every entry after <c>toSeq</c>. Both are written by the script that removes the entries,
/// so a follower that reads <c>rb</c> with the checkpoint knows of every removal before it.</summary>
/// <remarks>A follower remembers in its own source token the count it has caught up with; when the count has grown, the
/// lowest <c>toSeq</c> among the rollbacks it missed says how far back its own events may differ
/// (<see cref="Sources.Streams.UpstreamRollbacks"/>).</remarks>
internal static class RollbackLog
{
    /// <summary>Rollbacks the log keeps (the newest). A follower that missed more cannot know how far to go back, and
    /// halts; one that runs reads the count on every fetch, so only a follower stopped through that many rollbacks of
    /// its upstream does.</summary>
    public const int Kept = 256;

    /// <summary>The cursor field counting the worker's rollbacks (absent: none).</summary>
    public const string Count = "rb";

    // A fragment (the function record_rollback) that the scripts which remove entries begin with, called with the cursor,
    // the rollback log, the target seq and Kept as its ARGV strings (the target is logged as the caller wrote it, never
    // through a Lua double), once the entries after the target are gone: counts the rollback in the cursor's Count field,
    // logs its target and forgets the one that falls out of the log. It touches the keys it is given only.
    public const string Lua = """
        local function record_rollback(cursor, log, to, kept)
          local n = redis.call('HINCRBY', cursor, 'rb', 1)
          redis.call('HSET', log, n, to)
          if n > tonumber(kept) then redis.call('HDEL', log, n - tonumber(kept)) end
        end
        """;

    /// <summary>The count of a cursor's <see cref="Count"/> field as read (absent: 0).</summary>
    public static long CountOf(RedisValue value) => value.IsNull ? 0 : (long)value;

    /// <summary>The targets of rollbacks <paramref name="first"/>..<paramref name="last"/> of the log at
    /// <paramref name="key"/>, by number; a rollback the log no longer keeps is absent.</summary>
    public static async Task<IReadOnlyDictionary<long, long>> ReadAsync(IDatabase db, RedisKey key, long first, long last)
    {
        var fields = new RedisValue[last - first + 1];
        for (var i = 0; i < fields.Length; i++)
        {
            fields[i] = (first + i).ToString(CultureInfo.InvariantCulture);
        }

        var values = await db.HashGetAsync(key, fields).ConfigureAwait(false);
        var targets = new Dictionary<long, long>(values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            if (!values[i].IsNull)
            {
                targets[first + i] = (long)values[i];
            }
        }

        return targets;
    }
}
