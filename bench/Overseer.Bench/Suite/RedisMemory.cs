using System.Globalization;
using StackExchange.Redis;

namespace Overseer.Bench.Suite;

/// <summary>What Redis says it spends: <c>INFO memory</c>'s <c>used_memory</c>, <c>INFO cpu</c>, and
/// <c>MEMORY USAGE … SAMPLES 0</c> (every field counted, not sampled) of given keys.</summary>
internal static class RedisMemory
{
    public static async Task<long> UsedAsync(IConnectionMultiplexer redis)
    {
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var info = await server.InfoAsync("memory");
        var used = info.SelectMany(g => g).First(kv => kv.Key == "used_memory").Value;
        return long.Parse(used, CultureInfo.InvariantCulture);
    }

    /// <summary><c>INFO cpu</c>: the seconds of CPU redis-server has used (user + system, its main thread and the rest).</summary>
    public static async Task<double> CpuSecondsAsync(IConnectionMultiplexer redis)
    {
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var info = (await server.InfoAsync("cpu")).SelectMany(g => g).ToDictionary(kv => kv.Key, kv => kv.Value);
        return double.Parse(info["used_cpu_user"], CultureInfo.InvariantCulture) + double.Parse(info["used_cpu_sys"], CultureInfo.InvariantCulture);
    }

    public static async Task<long> UsageAsync(IConnectionMultiplexer redis, IEnumerable<string> keys)
    {
        var db = redis.GetDatabase();
        var sizes = await Task.WhenAll(keys.Select(k => db.ExecuteAsync("MEMORY", "USAGE", k, "SAMPLES", "0")));
        return sizes.Sum(s => s.IsNull ? 0 : (long)s);
    }
}
