using Microsoft.Extensions.Logging;

namespace Overseer.Admission;

internal sealed partial class PauseGuard
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "This silo was paused ({Seconds:0.0} s without a tick) and is still a member of the cluster ({Status}); calls go on")]
        public static partial void StillMember(ILogger logger, double seconds, string status);

        [LoggerMessage(2, LogLevel.Error, "This silo was paused ({Seconds:0.0} s without a tick) and the cluster has declared it {Status}: every call of an Overseer grain is refused until Orleans stops the silo")]
        public static partial void DeclaredDead(ILogger logger, double seconds, string status);
    }
}
