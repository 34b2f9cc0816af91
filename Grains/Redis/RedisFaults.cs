using System.Text.RegularExpressions;
using Orleans.Persistence.Redis;
using Orleans.Storage;
using StackExchange.Redis;

namespace Overseer.Redis;

/// <summary>
/// Which failures mean "Redis is briefly unavailable" (pause and retry; never a crash, never a restart), and a
/// log-safe one-line description of a failure.
/// </summary>
/// <remarks>
/// The Orleans Redis grain storage (Microsoft.Orleans.Persistence.Redis 10.4) throws
/// <see cref="RedisStorageException"/> with <em>no</em> inner exception: it keeps only the text
/// <c>"Failed to write grain state for … and storage key …. {ExceptionType}: {Message}"</c>. The grain's state bridge
/// then wraps that in an <see cref="OrleansException"/> (with the storage exception inside). So a wrapper without an
/// inner exception is classified by the exception type and Redis error code written into its message.
/// </remarks>
internal static partial class RedisFaults
{
    /// <summary>
    /// Redis error codes that mean the server cannot serve this command right now but will again without anyone
    /// changing our code or data: loading after a restart, a long script, a replica or failover, a failed
    /// background save, memory full, a cluster or replica quorum missing, a slot moving (a reshard or failover: a
    /// <c>MOVED</c> or <c>ASK</c> that StackExchange.Redis could not follow, e.g. to a node it is not connected to yet;
    /// it refreshes its slot map, and a retry goes where the slot is now).
    /// </summary>
    /// <remarks>StackExchange.Redis 3 classifies most replies itself (<see cref="RedisServerException.Kind"/>); the text is
    /// the fallback for an error it leaves <see cref="RedisErrorKind.Unknown"/> and for wrappers that kept only text.
    /// Matched as a whole word: <c>BUSYGROUP</c> and <c>BUSYKEY</c> (a consumer group or key that already
    /// exists) are answers, not outages.</remarks>
    private static readonly string[] TransientCodes =
        ["LOADING", "BUSY", "READONLY", "MASTERDOWN", "TRYAGAIN", "MISCONF", "OOM", "CLUSTERDOWN", "NOREPLICAS", "MOVED", "ASK"];

    private const string ConnectionMarker = "StackExchange.Redis.RedisConnectionException: ";
    private const string TimeoutMarker = "StackExchange.Redis.RedisTimeoutException: ";
    private const string ServerMarker = "StackExchange.Redis.RedisServerException: ";
    private const string StoreLibraryNamespace = "StackExchange.Redis.";
    private const int MaxCauseLength = 200;

    /// <summary>Where the first clause of a StackExchange.Redis or Npgsql message ends and its diagnostics
    /// (<c>(outbound=…</c>, <c>; UnableToConnect on …</c>, <c>, mgr: …</c>) or advice begin.</summary>
    private static readonly string[] ClauseSeparators = [" (", "; ", ", ", ". "];

    /// <summary>Whether <paramref name="exception"/> is a Redis outage (retry) rather than a bug or a conflict (fail).</summary>
    /// <remarks>
    /// Not transient: <see cref="InconsistentStateException"/> (an ETag conflict: someone else wrote), our own
    /// <c>OVERSEER …</c> script errors, <see cref="RedisCommandException"/> (a malformed command),
    /// <see cref="ObjectDisposedException"/> (the multiplexer is gone: the silo is shutting down) and cancellation.
    /// A plain <see cref="TimeoutException"/> is not Redis's: StackExchange.Redis reports its timeouts as
    /// <see cref="RedisTimeoutException"/>, and Orleans uses the plain type for grain calls that did not answer.
    /// </remarks>
    public static bool IsTransient(Exception exception) => exception switch
    {
        InconsistentStateException or ObjectDisposedException or OperationCanceledException => false,
        RedisConnectionException or RedisTimeoutException or ReplicaAcksMissingException => true,
        RedisServerException e => e.Kind is RedisErrorKind.Loading or RedisErrorKind.Busy or RedisErrorKind.ReadOnly
            or RedisErrorKind.MasterDown or RedisErrorKind.TryAgain or RedisErrorKind.Misconfigured or RedisErrorKind.OutOfMemory
            or RedisErrorKind.ClusterDown or RedisErrorKind.NoReplicas
            or RedisErrorKind.Moved or RedisErrorKind.Ask or RedisErrorKind.UnknownRedirectTarget
            || HasTransientCode(e.Message),
        RedisStorageException { InnerException: { } inner } => IsTransient(inner),
        RedisStorageException e => MentionsTransientFault(e.Message),
        OrleansException { InnerException: { } inner } => IsTransient(inner),
        OrleansException e => MentionsTransientFault(e.Message),
        AggregateException e => e.InnerExceptions.Count > 0 && e.InnerExceptions.All(IsTransient),
        _ => false,
    };

    /// <summary>
    /// The innermost failure as <c>Type: message</c> on one line, with anything shaped like a password removed, for
    /// logs and worker errors. StackExchange.Redis leaves the password out of its messages; this makes sure.
    /// </summary>
    public static string Describe(Exception exception)
    {
        var innermost = exception;
        while (innermost.InnerException is { } inner && innermost is OrleansException or RedisStorageException or AggregateException)
        {
            innermost = inner;
        }

        var text = $"{innermost.GetType().Name}: {innermost.Message}".ReplaceLineEndings(" ");
        return Password().Replace(text, "${key}=***");
    }

    /// <summary>
    /// The failure as a short phrase for someone outside the cluster: the first clause of the store library's own message
    /// (read out of the text of the Orleans Redis storage's wrapper, which keeps no inner exception), without exception
    /// type names or StackExchange.Redis' diagnostics; passwords removed as in <see cref="Describe"/>.
    /// </summary>
    /// <example><c>Timeout awaiting response</c>, <c>No connection is active/available to service this operation: HGETALL
    /// svc/state/worker/w1/worker</c>, <c>LOADING Redis is loading the dataset in memory</c>.</example>
    public static string Cause(Exception exception)
    {
        var text = Describe(exception);
        var embedded = text.IndexOf(StoreLibraryNamespace, StringComparison.Ordinal);
        if (embedded >= 0)
        {
            text = text[(embedded + StoreLibraryNamespace.Length)..];
        }

        // Describe and the wrapper's text both read "Type: message"; the type is the silo's business.
        var typeEnd = text.IndexOf(": ", StringComparison.Ordinal);
        text = typeEnd < 0 ? text : text[(typeEnd + 2)..];
        var end = text.Length;
        foreach (var separator in ClauseSeparators)
        {
            var at = text.IndexOf(separator, StringComparison.Ordinal);
            if (at >= 0 && at < end)
            {
                end = at;
            }
        }

        text = text[..end].TrimEnd('.', ' ', ':');
        return text.Length <= MaxCauseLength ? text : string.Concat(text.AsSpan(0, MaxCauseLength), "…");
    }

    private static bool HasTransientCode(string message)
    {
        foreach (var code in TransientCodes)
        {
            if (message.StartsWith(code, StringComparison.Ordinal)
                && (message.Length == code.Length || message[code.Length] == ' '))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Reads the <c>{ExceptionType}: {Message}</c> the Orleans Redis storage writes into its own message.</summary>
    private static bool MentionsTransientFault(string message)
    {
        if (message.Contains(ConnectionMarker, StringComparison.Ordinal) || message.Contains(TimeoutMarker, StringComparison.Ordinal))
        {
            return true;
        }

        var server = message.IndexOf(ServerMarker, StringComparison.Ordinal);
        return server >= 0 && HasTransientCode(message[(server + ServerMarker.Length)..]);
    }

    [GeneratedRegex(@"(?<key>password|requirepass|pwd)\s*=\s*[^,;\s]+", RegexOptions.IgnoreCase)]
    private static partial Regex Password();
}
