using Microsoft.Extensions.Logging;

namespace Overseer.Outputs;

internal sealed partial class StoreRetry
{
    private static partial class Log
    {
        // No exception object: its stack trace every 2 s of an outage is noise, and Describe strips anything
        // password-shaped from the message.
        [LoggerMessage(1, LogLevel.Warning, "Worker {WorkerId}: {Store} is unavailable; retry {Attempt} in {Delay} after {ExceptionType}: {Reason}")]
        public static partial void StoreUnavailable(ILogger logger, string workerId, string store, int attempt, TimeSpan delay, string exceptionType, string reason);
    }
}
