using Microsoft.Extensions.Logging;

namespace Overseer.Admission;

internal sealed partial class RequestDeadlineFilter
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "{Interface}.{Method} of {Grain} arrived {Seconds:0.0} s after its caller's deadline; refused, nothing was done")]
        public static partial void Late(ILogger logger, string @interface, string method, string grain, double seconds);
    }
}
