using Microsoft.Extensions.Logging;

namespace Overseer.Workers;

internal sealed partial class WorkerCommands
{
    private static partial class Log
    {
        [LoggerMessage(6, LogLevel.Information, "Worker {WorkerId} stopped by request at checkpoint {Checkpoint}")]
        public static partial void Stopped(ILogger logger, string workerId, long checkpoint);

        [LoggerMessage(13, LogLevel.Warning, "Worker {WorkerId} deleted at checkpoint {Checkpoint}: {Removed} events removed (events kept: {KeptEvents})")]
        public static partial void Deleted(ILogger logger, string workerId, long checkpoint, long removed, bool keptEvents);

        [LoggerMessage(14, LogLevel.Warning, "Worker {WorkerId} rewound from checkpoint {From} to {To}: {Removed} events removed")]
        public static partial void Rewound(ILogger logger, string workerId, long from, long to, long removed);
    }
}
