namespace Overseer.Outputs;

/// <summary>The one rule for a worker's next cursor generation, in each store's language: one above the last, and never
/// below the store's clock in hundredths of a second since 2020. So a worker deleted and started again under the same
/// id (its cursor gone, its count lost) begins above every generation the earlier worker held, and an activation of
/// that earlier worker still running somewhere (a frozen silo's, before it learns it was declared dead) can never take
/// the new worker's cursor for its own. 100 per second is far above how often a worker is claimed, stopped or started;
/// the values stay under 2^39, which <c>ReportVersion</c> leaves them, until the 2170s.</summary>
internal static class Generations
{
    /// <summary>2020-01-01T00:00:00Z in hundredths of a second since the Unix epoch.</summary>
    private const long Epoch = 157_783_680_000;

    /// <summary>A Lua function <c>nextgen(key)</c> for a script: sets the cursor hash's <c>gen</c> to the next generation
    /// and returns it. Uses the server's <c>TIME</c> (effects replication, Redis 7).</summary>
    public const string Lua = """
        local function nextgen(key)
          local t = redis.call('TIME')
          local floor = tonumber(t[1]) * 100 + math.floor(tonumber(t[2]) / 10000) - 157783680000
          local gen = tonumber(redis.call('HGET', key, 'gen') or '0') + 1
          if gen < floor then gen = floor end
          redis.call('HSET', key, 'gen', string.format('%d', gen))
          return gen
        end
        """;

    /// <summary>The next generation after <paramref name="column"/> in SQL (PostgreSQL's clock).</summary>
    public static string Sql(string column) =>
        $"GREATEST({column} + 1, (floor(extract(epoch FROM clock_timestamp()) * 100))::bigint - {Epoch})";

    /// <summary>The first generation of a new row in SQL.</summary>
    public static string SqlFirst => $"GREATEST(1, (floor(extract(epoch FROM clock_timestamp()) * 100))::bigint - {Epoch})";
}
