using Microsoft.Extensions.Logging;

namespace Overseer.Errors;

internal sealed partial class ContractExceptionFilter
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "{Interface}.{Method} of {Grain} failed with {ExceptionType}; the caller gets an internal error")]
        public static partial void Internal(ILogger logger, Exception exception, string @interface, string method, string grain, string exceptionType);

        [LoggerMessage(2, LogLevel.Warning, "{Interface}.{Method} of {Grain} failed with {ExceptionType}; the caller gets: {Contract}")]
        public static partial void Translated(ILogger logger, string @interface, string method, string grain, string exceptionType, string contract);
    }
}
