using Microsoft.Extensions.Logging;

namespace Overseer.Supervision;

internal sealed partial class PartitionKeeper
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Silo {Silo} left the cluster ({Status}); asking partitions to recover its workers")]
        public static partial void SiloLeft(ILogger logger, string silo, string status);

        [LoggerMessage(2, LogLevel.Debug, "Could not reach partition {Partition}")]
        public static partial void PartitionUnreachable(ILogger logger, int partition, Exception exception);

        [LoggerMessage(3, LogLevel.Warning, "Membership watch ended unexpectedly; restarting it")]
        public static partial void WatchFailed(ILogger logger, Exception exception);
    }
}
