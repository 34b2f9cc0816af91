using Orleans.Storage;
using StackExchange.Redis;

namespace Overseer.Sinks;

/// <summary>Which failures mean "Redis is briefly unavailable" (retry, do not count as a crash).</summary>
internal static class RedisFaults
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException => true,
        RedisServerException e => e.Message.StartsWith("LOADING", StringComparison.Ordinal)
            || e.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
            || e.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal),
        InconsistentStateException => false,
        // The Orleans Redis storage wraps connection failures.
        OrleansException { InnerException: { } inner } => IsTransient(inner),
        AggregateException { InnerException: { } inner } => IsTransient(inner),
        _ => false,
    };
}
