using Microsoft.Extensions.Logging;

namespace Overseer.Workers;

internal sealed partial class HeartbeatSweep
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Heartbeat of {Count} running workers to partition {Partition} could not be sent; it pokes those it stops hearing from")]
        public static partial void HeartbeatFailed(ILogger logger, int partition, int count, Exception exception);

        [LoggerMessage(2, LogLevel.Warning, "Could not renew the pool leases of {Count} running workers; the next heartbeat tries again")]
        public static partial void RenewFailed(ILogger logger, int count, Exception exception);

        [LoggerMessage(3, LogLevel.Error, "Heartbeat sweep failed; the next one runs at the next interval")]
        public static partial void SweepFailed(ILogger logger, Exception exception);
    }
}
