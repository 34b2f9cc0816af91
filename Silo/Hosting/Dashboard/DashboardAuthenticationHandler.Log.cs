namespace Overseer.Hosting.Dashboard;

internal sealed partial class DashboardAuthenticationHandler
{
    private static partial class Log
    {
        // The reason names what was wrong (which kind of credential), never the value presented.
        [LoggerMessage(1, LogLevel.Warning, "Dashboard request to {Path} from {RemoteAddress} refused: {Reason}")]
        public static partial void Rejected(ILogger logger, string path, string remoteAddress, string reason);
    }
}
