using Microsoft.Extensions.Logging;

namespace Overseer.Client;

internal sealed partial class ConnectRetryFilter
{
    [LoggerMessage(1, LogLevel.Debug,
        "Connecting to cluster {ClusterId} via Redis {RedisEndpoints} failed (attempt {Attempt}, {ErrorType}); retrying")]
    private static partial void LogRetrying(ILogger logger, string clusterId, string redisEndpoints, int attempt, string errorType);

    [LoggerMessage(2, LogLevel.Information,
        "Giving up connecting to cluster {ClusterId} via Redis {RedisEndpoints} after {Attempts} attempts in {ElapsedSeconds:0.#} s")]
    private static partial void LogGaveUp(ILogger logger, string clusterId, string redisEndpoints, int attempts, double elapsedSeconds);
}
