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

        [LoggerMessage(17, LogLevel.Warning, "Worker {WorkerId}: a command reached a stale activation (another activation has changed the worker since; this silo was probably paused or cut off and declared dead); refused, and this activation goes away")]
        public static partial void Stale(ILogger logger, string workerId);

        [LoggerMessage(14, LogLevel.Warning, "Worker {WorkerId} rewound from checkpoint {From} to {To}: {Removed} events removed")]
        public static partial void Rewound(ILogger logger, string workerId, long from, long to, long removed);

        [LoggerMessage(19, LogLevel.Warning, "Worker {WorkerId}: poison event at seq {Seq} skipped by request (passed without its effects)")]
        public static partial void Skipped(ILogger logger, string workerId, long seq);
    }
}
