using Microsoft.Extensions.Logging;

namespace Overseer.Registry;

internal sealed partial class PartitionGrain
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Partition {Partition} loaded {Count} registry rows; restoring {Restoring} workers")]
        public static partial void Loaded(ILogger logger, long partition, int count, int restoring);

        [LoggerMessage(2, LogLevel.Information, "Partition {Partition}: silo {Silo} is down; bringing back {Count} workers")]
        public static partial void SiloDown(ILogger logger, long partition, string silo, int count);

        [LoggerMessage(3, LogLevel.Debug, "Partition {Partition}: poke of worker {WorkerId} failed")]
        public static partial void PokeFailed(ILogger logger, long partition, string workerId, Exception exception);

        [LoggerMessage(4, LogLevel.Warning, "Partition {Partition}: could not persist {Count} registry rows; will retry")]
        public static partial void FlushFailed(ILogger logger, long partition, int count, Exception exception);

        [LoggerMessage(5, LogLevel.Information, "Partition {Partition}: removed registry row of unknown worker {WorkerId}")]
        public static partial void Removed(ILogger logger, long partition, string workerId);

        [LoggerMessage(6, LogLevel.Information, "Partition {Partition}: moving to its home silo {Home} (membership changed)")]
        public static partial void MovingHome(ILogger logger, long partition, string home);

        [LoggerMessage(7, LogLevel.Information, "Partition {Partition}: rebalancing {Moves} running workers over {Silos} silos")]
        public static partial void Rebalancing(ILogger logger, long partition, int moves, int silos);

        [LoggerMessage(8, LogLevel.Debug, "Partition {Partition}: move of worker {WorkerId} failed; a later round retries")]
        public static partial void MoveFailed(ILogger logger, long partition, string workerId, Exception exception);

        [LoggerMessage(13, LogLevel.Information, "Partition {Partition}: worker {WorkerId} should run but was not heard from for the stall timeout ({Seconds:0.#} s); poked")]
        public static partial void Silent(ILogger logger, long partition, string workerId, double seconds);

        [LoggerMessage(10, LogLevel.Information, "Partition {Partition}: worker {WorkerId} deleted; its row is removed")]
        public static partial void Forgotten(ILogger logger, long partition, string workerId);

        [LoggerMessage(9, LogLevel.Debug, "Partition {Partition}: pool check failed; the next tick retries")]
        public static partial void PoolCheckFailed(ILogger logger, long partition, Exception exception);

        [LoggerMessage(11, LogLevel.Warning, "Partition {Partition}: could not load its registry rows; it deactivates and the next call loads them again")]
        public static partial void LoadFailed(ILogger logger, long partition, Exception exception);

        [LoggerMessage(12, LogLevel.Debug, "Partition {Partition}: heartbeat {Sequence} from silo {Silo} is a change to a set it does not hold; asking for the whole set")]
        public static partial void WholeSetWanted(ILogger logger, long partition, string silo, long sequence);
    }
}
