using Microsoft.Extensions.Logging;

namespace Overseer.Workers;

internal sealed partial class HeartbeatSweep
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Heartbeat to partition {Partition} was not answered; the next one carries the whole set, and the partition pokes the workers it stops hearing from meanwhile")]
        public static partial void HeartbeatFailed(ILogger logger, int partition, Exception exception);

        [LoggerMessage(2, LogLevel.Warning, "Could not renew the pool leases of {Count} running workers; the next heartbeat tries again")]
        public static partial void RenewFailed(ILogger logger, int count, Exception exception);

        [LoggerMessage(3, LogLevel.Error, "Heartbeat sweep failed; the next one runs at the next interval")]
        public static partial void SweepFailed(ILogger logger, Exception exception);
    }
}
