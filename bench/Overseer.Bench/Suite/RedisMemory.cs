using System.Globalization;
using StackExchange.Redis;

namespace Overseer.Bench.Suite;

/// <summary>What Redis says it spends: <c>INFO memory</c>'s <c>used_memory</c>, and <c>MEMORY USAGE … SAMPLES 0</c>
/// (every field counted, not sampled) of given keys.</summary>
internal static class RedisMemory
{
    public static async Task<long> UsedAsync(IConnectionMultiplexer redis)
    {
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var info = await server.InfoAsync("memory");
        var used = info.SelectMany(g => g).First(kv => kv.Key == "used_memory").Value;
        return long.Parse(used, CultureInfo.InvariantCulture);
    }

    public static async Task<long> UsageAsync(IConnectionMultiplexer redis, IEnumerable<string> keys)
    {
        var db = redis.GetDatabase();
        var sizes = await Task.WhenAll(keys.Select(k => db.ExecuteAsync("MEMORY", "USAGE", k, "SAMPLES", "0")));
        return sizes.Sum(s => s.IsNull ? 0 : (long)s);
    }
}
