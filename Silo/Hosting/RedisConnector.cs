using StackExchange.Redis;

namespace Overseer.Hosting;

/// <summary>Connects the silo's shared multiplexer and proves Redis answers before the silo joins the cluster.</summary>
internal static class RedisConnector
{
    /// <summary>How long to wait between pings that failed before the startup budget is spent.</summary>
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(200);

    /// <summary>Connects and pings until Redis answers or <paramref name="timeout"/> has passed. A ping that times out or
    /// finds no connection yet is tried again within that budget: a Redis that is slow to answer its first command (a
    /// loaded machine, a server still loading its dataset) is not an unreachable one. A refused password or an
    /// untrusted TLS certificate is not tried again, and the message says which it is.</summary>
    public static async Task<IConnectionMultiplexer> ConnectAsync(ConfigurationOptions options, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        IConnectionMultiplexer? mux = null;
        try
        {
            mux = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
            while (true)
            {
                var left = deadline - DateTime.UtcNow;
                try
                {
                    await mux.GetDatabase().PingAsync().WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero).ConfigureAwait(false);
                    return mux;
                }
                catch (TimeoutException ex) when (ex is not RedisTimeoutException)
                {
                    throw new TimeoutException($"no answer within {timeout.TotalSeconds:0.#} s ({StartupOptions.SectionName}:RedisTimeout)", ex);
                }
                catch (Exception ex) when (ex is RedisException or RedisTimeoutException && !RedisConnectFailures.Permanent(ex) && DateTime.UtcNow + RetryPause < deadline)
                {
                    await Task.Delay(RetryPause).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex)
        {
            mux?.Dispose();
            var redis = $"Redis at {RedisEndpoint.Describe(options)} ({RedisEndpoint.Key})";
            throw new SiloConfigurationException(
                RedisConnectFailures.Tls(ex) is { } tls ? $"cannot reach {redis} over TLS: {tls}. To fix it, {RedisConnectFailures.TlsAdvice} in {RedisEndpoint.Key}"
                : RedisConnectFailures.Password(ex) ? $"{redis} refused the password. Check the password in {RedisEndpoint.Key}"
                : $"cannot reach {redis}: {Summarize(ex.Message)}. Start Redis (./overseer up does) or point {RedisEndpoint.Key} at a reachable server");
        }
    }

    /// <summary>Runs a step of the silo's start-up that reads or writes Redis once it answered (e.g. the partition layout
    /// check), trying it again while Redis is briefly unavailable (a timeout on a loaded machine, a restart) within
    /// <paramref name="timeout"/> (<see cref="StartupOptions.RedisTimeout"/>); then the failure is a
    /// <see cref="SiloConfigurationException"/> naming Redis, not an unhandled exception. Anything else the step throws
    /// (a refusal) passes through as it is.</summary>
    public static async Task StartupStepAsync(ConfigurationOptions options, TimeSpan timeout, Func<Task> step)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                await step().ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (Redis.RedisFaults.IsTransient(ex))
            {
                if (DateTime.UtcNow + RetryPause >= deadline)
                {
                    throw new SiloConfigurationException(
                        $"cannot reach Redis at {RedisEndpoint.Describe(options)} ({RedisEndpoint.Key}) while starting: {Summarize(ex.Message)}. "
                        + $"It answered, then stopped answering for {timeout.TotalSeconds:0.#} s ({StartupOptions.SectionName}:RedisTimeout)");
                }

                await Task.Delay(RetryPause).ConfigureAwait(false);
            }
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
