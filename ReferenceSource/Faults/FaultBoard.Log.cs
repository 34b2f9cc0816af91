using Microsoft.Extensions.Logging;

namespace Overseer.ReferenceSource.Faults;

internal sealed partial class FaultBoard
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Fault {Mode} set for feed {Feed} for {Seconds} s, until {Until:O}")]
        public static partial void FaultSet(ILogger logger, string mode, string feed, int seconds, DateTime until);

        [LoggerMessage(2, LogLevel.Information, "Fault {Mode} for feed {Feed} cleared")]
        public static partial void FaultCleared(ILogger logger, string mode, string feed);

        [LoggerMessage(3, LogLevel.Information, "Fault {Mode} for feed {Feed} expired")]
        public static partial void FaultExpired(ILogger logger, string mode, string feed);
    }
}
