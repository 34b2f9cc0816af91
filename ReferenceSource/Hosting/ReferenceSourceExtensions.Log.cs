using Microsoft.Extensions.Logging;

namespace Overseer.ReferenceSource.Hosting;

internal static partial class ReferenceSourceExtensions
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Reference source serving feeds on {Urls}: {Rate} events/s per feed, WebSocket heartbeat {HeartbeatMs} ms")]
        public static partial void Started(ILogger logger, string urls, int rate, int heartbeatMs);
    }
}
