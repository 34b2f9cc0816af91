using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Overseer.Client;

/// <summary>Retries the initial connection about once a second until
/// <see cref="OverseerClientOptions.ConnectTimeout"/> has passed, then fails with a
/// <see cref="ClusterUnreachableException"/> that says what was tried and what to do.</summary>
/// <remarks>The clock starts when Orleans resolves the filter, i.e. when the client starts connecting.</remarks>
internal sealed partial class ConnectRetryFilter(
    OverseerClientOptions options, TimeProvider timeProvider, ILogger<ConnectRetryFilter> logger)
    : IClientConnectionRetryFilter
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    private readonly long _startedAt = timeProvider.GetTimestamp();
    private int _attempts;

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        var attempt = Interlocked.Increment(ref _attempts);
        var elapsed = timeProvider.GetElapsedTime(_startedAt);
        var remaining = options.ConnectTimeout - elapsed;

        // Give up now rather than overrun the timeout: a wrong password or an untrusted certificate will not fix itself,
        // and while Redis is down every attempt takes the whole Redis connect timeout.
        var redisConnectTimeout = TimeSpan.FromMilliseconds(options.Redis.ConnectTimeout);
        if (remaining <= TimeSpan.Zero
            || RedisConnectFailures.Permanent(exception)
            || (FindRedisFailure(exception) is not null && remaining < RetryDelay + redisConnectTimeout))
        {
            LogGaveUp(logger, options.ClusterId, options.RedisEndpoints, attempt, elapsed.TotalSeconds);
            throw new ClusterUnreachableException(await DescribeAsync(exception, attempt, elapsed), exception);
        }

        LogRetrying(logger, options.ClusterId, options.RedisEndpoints, attempt, exception.GetType().Name);
        await Task.Delay(remaining < RetryDelay ? remaining : RetryDelay, timeProvider, cancellationToken);
        return true;
    }

    // Orleans does not reliably surface a Redis failure (a later attempt may report only "no gateway"), so
    // unless the last error says so, ask Redis directly which of the two it is.
    private async Task<string> DescribeAsync(Exception exception, int attempts, TimeSpan elapsed)
    {
        var tried = $"gave up after {attempts} attempt{(attempts == 1 ? "" : "s")} in {elapsed.TotalSeconds:0.#} s";
        var redis = $"Redis at {RedisConfigurationRules.Describe(options.Redis)} ({OverseerClientOptions.RedisKey})";
        var (probe, error) = RedisConnectFailures.Tls(exception) is { } tls ? (RedisProbe.Untrusted, Redact(tls))
            : FindRedisFailure(exception) is { } redisFailure && !RedisConnectFailures.Permanent(exception)
            ? (RedisProbe.Unreachable, Redact(FirstSentence(redisFailure.Message)))
            : await ProbeRedisAsync();
        return probe switch
        {
            RedisProbe.Reachable =>
                $"no silo of cluster '{options.ClusterId}' (service '{options.ServiceId}') answered: {redis} is reachable "
                + $"but no gateway it lists for that cluster answered; {tried} (last error: {Redact(FirstSentence(exception.Message))}). "
                + $"Is the cluster running? Start it with ./overseer up, or check {OverseerClientOptions.ClusterIdKey}; "
                + $"wait longer with {OverseerClientOptions.ConnectTimeoutKey}.",
            RedisProbe.WrongPassword =>
                $"{redis} refused the password; {tried}. Check the password in {OverseerClientOptions.RedisKey}.",
            RedisProbe.Untrusted =>
                $"cannot reach {redis} over TLS: {error}; {tried}. To fix it, {RedisConnectFailures.TlsAdvice} in {OverseerClientOptions.RedisKey}.",
            _ =>
                $"cannot reach {redis}: {error}; {tried}. Is the cluster running? Start it with ./overseer up, "
                + $"or check {OverseerClientOptions.RedisKey}.",
        };
    }

    private async Task<(RedisProbe Result, string? Error)> ProbeRedisAsync()
    {
        var probe = options.Redis.Clone();
        probe.AbortOnConnectFail = true;
        probe.ConnectRetry = 1;
        probe.ConnectTimeout = Math.Min(probe.ConnectTimeout, (int)ProbeTimeout.TotalMilliseconds);
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(probe);
            await connection.GetDatabase().PingAsync();
            return (RedisProbe.Reachable, null);
        }
        catch (Exception e) when (RedisConnectFailures.Tls(e) is { } tls)
        {
            return (RedisProbe.Untrusted, Redact(tls));
        }
        catch (Exception e) when (RedisConnectFailures.Password(e))
        {
            return (RedisProbe.WrongPassword, null);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or IOException)
        {
            return (RedisProbe.Unreachable, Redact(FirstSentence(e.Message)));
        }
    }

    private static Exception? FindRedisFailure(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is RedisConnectionException or RedisTimeoutException)
            {
                return e;
            }
        }

        return null;
    }

    // Keep the error line short: StackExchange.Redis appends advice (abortConnect=false) that does not apply here, and
    // diagnostics ("(5000ms) - Last Connection Exception: UnableToConnect on …; …") that name its exception types.
    private static string FirstSentence(string message)
    {
        var text = message.AsSpan();
        var end = text.IndexOfAny('\r', '\n');
        text = end < 0 ? text : text[..end];
        foreach (var separator in (ReadOnlySpan<string>)[". ", " (", "; ", " - "])
        {
            var stop = text.IndexOf(separator, StringComparison.Ordinal);
            text = stop < 0 ? text : text[..stop];
        }

        text = text.TrimEnd('.');
        return text.Length <= 300 ? text.ToString() : string.Concat(text[..300], "…");
    }

    // Redis messages are not known to include the password, but this one goes to a terminal: make sure.
    private string Redact(string message) =>
        string.IsNullOrEmpty(options.Redis.Password) ? message : message.Replace(options.Redis.Password, "***", StringComparison.Ordinal);

    /// <summary>What a direct PING to Redis found.</summary>
    private enum RedisProbe
    {
        Reachable,
        WrongPassword,
        Untrusted,
        Unreachable,
    }
}
