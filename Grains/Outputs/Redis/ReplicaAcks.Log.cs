using Microsoft.Extensions.Logging;

namespace Overseer.Outputs.Redis;

internal sealed partial class ReplicaAcks
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Redis writes of workers count once {MinReplicaAcks} replica(s) acknowledge them (Overseer:Redis:MinReplicaAcks; WAIT, timeout {Timeout})")]
        public static partial void WaitingForReplicas(ILogger logger, int minReplicaAcks, TimeSpan timeout);

        [LoggerMessage(3, LogLevel.Information, "Redis writes of workers count once the primary answers (Overseer:Redis:MinReplicaAcks 0): a failover can lose the last ones, which a worker then indexes again")]
        public static partial void PrimaryOnly(ILogger logger);

        [LoggerMessage(2, LogLevel.Warning, "Worker {WorkerId}: a write on {Primary} does not count yet ({Reason}); it is retried")]
        public static partial void ReplicaAcksMissing(ILogger logger, string workerId, string primary, string reason);
    }
}
