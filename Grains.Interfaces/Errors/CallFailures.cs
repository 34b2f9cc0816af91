using Orleans.Runtime.Messaging;

namespace Overseer.Errors;

/// <summary>How a grain call that failed on its way is told from the cluster's answers (<see cref="OverseerException"/>),
/// defined once for both sides of the wire: the client retries these (Overseer.Client's <c>CallRetry</c>), and a grain
/// calling another grain reports them as <see cref="OverseerErrorCode.Unavailable"/> (<c>ContractFaults</c>).</summary>
internal static class CallFailures
{
    /// <summary>The call could not be delivered or answered: the gateway or the silo hosting the grain could not be
    /// reached, the message was rejected on its way (a silo that is gone), or no answer came in time.</summary>
    public static bool IsTransport(Exception e) =>
        e is SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException
            or GatewayTooBusyException or TimeoutException;

    /// <summary>The first clause of an Orleans failure's message: Orleans goes on to dump the request
    /// ("... for message: Request [...]"), on one line or several, which means nothing to the reader.</summary>
    public static string FirstClause(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        var line = end < 0 ? message : message[..end];
        var detail = line.IndexOf(" for message", StringComparison.Ordinal);
        return (detail < 0 ? line : line[..detail]).TrimEnd(' ', '.', ':');
    }
}
