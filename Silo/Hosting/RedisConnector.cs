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
            var reason = Summarize(ex is AggregateException { InnerException: { } inner } ? inner.Message : ex.Message);
            throw new SiloConfigurationException(
                $"cannot reach Redis at {RedisEndpoint.Describe(options)} ({RedisEndpoint.Key}): {reason}. "
                + "Start Redis (./overseer up does) or point ConnectionStrings:redis at a reachable server");
        }
    }

    // StackExchange.Redis follows what went wrong with a dump of its connection state ("... (5000ms) - Last Connection
    // Exception: UnableToConnect (0-read, 0-sent) on 127.0.0.1:1/Interactive, ..., IOCP: (...), v: 3.4.35"), on one line
    // or several: keep the first clause and the failure's kind.
    private static string Summarize(string message)
    {
        const string LastFailure = " - Last Connection Exception: ";
        var end = message.IndexOfAny(['\r', '\n']);
        var line = end < 0 ? message : message[..end];
        var dump = line.IndexOf(LastFailure, StringComparison.Ordinal);
        if (dump >= 0)
        {
            var kind = line[(dump + LastFailure.Length)..].Split(' ', 2)[0];
            line = $"{line[..dump]} ({kind})";
        }

        var details = line.IndexOf(", command=", StringComparison.Ordinal);
        return (details < 0 ? line : line[..details]).TrimEnd(' ', '.', ';');
    }
}
