using StackExchange.Redis;

namespace Overseer.Hosting;

/// <summary>Connects the silo's shared multiplexer and proves Redis answers before the silo joins the cluster.</summary>
internal static class RedisConnector
{
    public static IConnectionMultiplexer Connect(ConfigurationOptions options, TimeSpan timeout)
    {
        var mux = ConnectionMultiplexer.Connect(options);
        try
        {
            var ping = mux.GetDatabase().PingAsync();
            if (!ping.Wait(timeout))
            {
                throw new TimeoutException($"no answer within {timeout.TotalSeconds:0} s");
            }

            return mux;
        }
        catch (Exception ex)
        {
            mux.Dispose();
            var reason = ex is AggregateException { InnerException: { } inner } ? inner.Message : ex.Message;
            throw new SiloConfigurationException(
                $"cannot reach Redis at {RedisEndpoint.Describe(options)} ({RedisEndpoint.Key}): {reason}. "
                + "Start Redis (./overseer up does) or point ConnectionStrings:redis at a reachable server");
        }
    }
}
