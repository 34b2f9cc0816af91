using Microsoft.Extensions.Logging;
using Overseer.Models;

namespace Overseer.Workers;

internal sealed partial class SupervisionLoop
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Worker {WorkerId} run started at checkpoint {Checkpoint} (generation {Generation})")]
        public static partial void RunStarted(ILogger logger, string workerId, long checkpoint, long generation);

        [LoggerMessage(2, LogLevel.Warning, "Worker {WorkerId} crashed at checkpoint {Checkpoint}: {Error}")]
        public static partial void Crashed(ILogger logger, string workerId, long checkpoint, string error);

        [LoggerMessage(3, LogLevel.Information, "Worker {WorkerId} exited ({Exit}); next status {Status}, backoff {Delay}")]
        public static partial void Exited(ILogger logger, string workerId, string exit, WorkerStatus status, TimeSpan delay);

        [LoggerMessage(4, LogLevel.Warning, "Worker {WorkerId} was fenced (generation {Generation} is no longer current: a newer activation or a stop took over); this activation stops")]
        public static partial void Fenced(ILogger logger, string workerId, long generation);

        [LoggerMessage(8, LogLevel.Warning, "Worker {WorkerId} lost the cursor while writing its state; deactivating")]
        public static partial void StateConflict(ILogger logger, string workerId, Exception exception);

        [LoggerMessage(10, LogLevel.Information, "Worker {WorkerId} queued for a pool slot at position {Position}")]
        public static partial void Queued(ILogger logger, string workerId, long position);

        [LoggerMessage(11, LogLevel.Warning, "Worker {WorkerId} lost its pool slot (lease expired) and the pool is full; it stops at checkpoint {Checkpoint} and waits as pending")]
        public static partial void SlotLost(ILogger logger, string workerId, long checkpoint);

        [LoggerMessage(12, LogLevel.Error, "Worker {WorkerId}: supervision failed outside a run; deactivating so the partition brings it back")]
        public static partial void SupervisionFailed(ILogger logger, string workerId, Exception exception);

        [LoggerMessage(16, LogLevel.Warning, "Worker {WorkerId} could not hold its pool slot over its hand-over; the slot stays its own only while its lease runs")]
        public static partial void HoldFailed(ILogger logger, string workerId, Exception exception);

        [LoggerMessage(15, LogLevel.Warning, "Worker {WorkerId}: Redis is behind the checkpoint it committed ({Committed}; stored {Stored}): it lost acknowledged writes (appendfsync everysec loses up to about 2 s on a crash). Resuming from the stored cursor; the lost events are indexed again")]
        public static partial void StoreBehind(ILogger logger, string workerId, long committed, long stored);

        [LoggerMessage(22, LogLevel.Warning, "Worker {WorkerId}: its store holds commits past the checkpoint this run knew ({Committed}; stored {Stored}), as when two Redis nodes took writes during a failover. Resuming from the stored cursor")]
        public static partial void StoreAhead(ILogger logger, string workerId, long committed, long stored);

        [LoggerMessage(18, LogLevel.Error, "Worker {WorkerId} halted at seq {Seq} ({Reason}): {Error}. Nothing after it is committed and no restart is counted; resume it after a fix, skip the event, or rewind it")]
        public static partial void Halted(ILogger logger, string workerId, long seq, HaltReason reason, string error);

        [LoggerMessage(21, LogLevel.Warning, "Worker {WorkerId} waits at checkpoint {Seq} on a handler version change (committed with version {Committed}, this silo's handler is version {Current}): {Error}")]
        public static partial void WaitingOnVersion(ILogger logger, string workerId, long seq, int? committed, int? current, string error);

        [LoggerMessage(32, LogLevel.Error, "Worker {WorkerId} halted at checkpoint {Seq} on a reorg it cannot undo: {Error}. No restart is counted; rewind it past the fork and resume it")]
        public static partial void HaltedOnReorg(ILogger logger, string workerId, long seq, string error);

        [LoggerMessage(30, LogLevel.Warning, "Worker {WorkerId} rolled back to seq {Seq} after a reorg of its source ({Removed} events removed, no restart counted): {Reorg}")]
        public static partial void RolledBack(ILogger logger, string workerId, long seq, long removed, string reorg);

        [LoggerMessage(31, LogLevel.Warning, "Worker {WorkerId}: the reorg it rolled back could not be written to the audit stream")]
        public static partial void ReorgNotAudited(ILogger logger, string workerId, Exception exception);
    }
}
