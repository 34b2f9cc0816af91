using Microsoft.Extensions.Logging;

namespace Overseer.Client;

internal sealed partial class CallRetry
{
    [LoggerMessage(1, LogLevel.Debug,
        "Call failed in transport ({ErrorType}: {Error}) on attempt {Attempt}, {ElapsedMs:0} ms after the first; retrying in {DelayMs:0} ms")]
    private static partial void LogRetrying(ILogger logger, string errorType, string error, int attempt, double elapsedMs, double delayMs);

    [LoggerMessage(3, LogLevel.Debug,
        "Call failed: {Reason} (the cluster is unavailable) on attempt {Attempt}, {ElapsedMs:0} ms after the first; retrying in {DelayMs:0} ms")]
    private static partial void LogRetryingUnavailable(ILogger logger, string reason, int attempt, double elapsedMs, double delayMs);

    [LoggerMessage(2, LogLevel.Information,
        "Giving up on a call after {Attempts} attempts in {ElapsedSeconds:0.#} s, the last failing with {ErrorType}")]
    private static partial void LogGaveUp(ILogger logger, string errorType, int attempts, double elapsedSeconds);
}
