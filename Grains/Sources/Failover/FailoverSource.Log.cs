using Microsoft.Extensions.Logging;

namespace Overseer.Sources.Failover;

internal sealed partial class FailoverSource
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Worker {WorkerId}: push handler of {Feed} failed ({Reason}); polling from checkpoint {Checkpoint}")]
        public static partial void FailedOver(ILogger logger, string workerId, string feed, string reason, long checkpoint);

        [LoggerMessage(2, LogLevel.Information, "Worker {WorkerId}: push handler of {Feed} is healthy again; switching back at checkpoint {Checkpoint}")]
        public static partial void SwitchedBack(ILogger logger, string workerId, string feed, long checkpoint);
    }
}
