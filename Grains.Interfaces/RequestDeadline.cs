using Orleans.Runtime;

namespace Overseer;

/// <summary>The moment after which a caller no longer waits for a call's answer, carried with the call in the Orleans
/// request context (Unix milliseconds). The typed client sets it on every attempt (now plus the attempt's response
/// timeout); a silo refuses a manager or worker call that arrives after it, with an allowance for clock skew. So a
/// request that waited in a frozen silo's socket, or was sent on by a silo declared dead after its caller gave up and
/// retried, is not carried out a second time, perhaps after the operator's next command.</summary>
public static class RequestDeadline
{
    /// <summary>The request-context key.</summary>
    public const string Key = "overseer.deadline";

    /// <summary>The deadline of the call being made or served, if its caller set one.</summary>
    public static DateTimeOffset? Current => RequestContext.Get(Key) is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    /// <summary>Sets the deadline for the calls made from here on in this asynchronous flow.</summary>
    public static void Set(DateTimeOffset deadline) => RequestContext.Set(Key, deadline.ToUnixTimeMilliseconds());

    /// <summary>Removes it, so that the calls made from here on carry none.</summary>
    public static void Clear() => RequestContext.Remove(Key);
}
