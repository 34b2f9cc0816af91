using System.Security.Authentication;
using StackExchange.Redis;

namespace Overseer;

/// <summary>Why a connection to Redis failed, told apart so that the message says what to fix: the server's TLS
/// certificate not trusted (or not matching the host), or the password refused — failures no retry can fix, reported
/// at once — rather than a server not reached yet.</summary>
/// <remarks>StackExchange.Redis reports both of the first two as <see cref="ConnectionFailureType.AuthenticationFailure"/>;
/// a TLS failure carries the handshake's <see cref="AuthenticationException"/> inside. Compiled into both Overseer.Client
/// and Overseer.Hosting, like <see cref="RedisConfigurationRules"/>.</remarks>
internal static class RedisConnectFailures
{
    /// <summary>What to do about a TLS failure.</summary>
    public const string TlsAdvice =
        "trust the authority that issued the server's certificate (in the system store, or SSL_CERT_FILE=/path/to/ca.pem in the environment), "
        + "or check ssl= and sslHost=";

    /// <summary>The reason the TLS handshake failed (e.g. "The remote certificate is invalid because of errors in the
    /// certificate chain: UntrustedRoot"); null when <paramref name="exception"/> is not that.</summary>
    public static string? Tls(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException handshake)
            {
                return handshake.Message.TrimEnd('.');
            }
        }

        return null;
    }

    /// <summary>Whether the server refused the password, or asked for one that was not given.</summary>
    public static bool Password(Exception? exception) => Tls(exception) is null && Permanent(exception);

    /// <summary>Whether retrying cannot help: a TLS or a password failure.</summary>
    public static bool Permanent(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure } or AuthenticationException)
            {
                return true;
            }
        }

        return false;
    }
}
