using Microsoft.Extensions.Logging;

namespace Overseer.Workers;

internal sealed partial class WorkerGrain
{
    private static partial class Log
    {
        [LoggerMessage(7, LogLevel.Debug, "Worker {WorkerId} deactivating ({Reason}) at checkpoint {Checkpoint}")]
        public static partial void Deactivating(ILogger logger, string workerId, string reason, long checkpoint);

        [LoggerMessage(9, LogLevel.Information, "Worker {WorkerId} moving to {Target} at checkpoint {Checkpoint} (rebalancing)")]
        public static partial void Moving(ILogger logger, string workerId, string target, long checkpoint);

        [LoggerMessage(20, LogLevel.Information, "Worker {WorkerId} halted on a handler version change, and this silo's handler has version {Version}, the one its effects were committed with: resuming it here")]
        public static partial void ResumingOnVersion(ILogger logger, string workerId, int version);
    }
}
