using Microsoft.Extensions.Logging;

namespace Overseer.Outputs.Redis;

internal sealed partial class ReplicaAcks
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Redis writes of workers count once {MinReplicaAcks} replicas acknowledge them (WAIT, timeout {Timeout})")]
        public static partial void WaitingForReplicas(ILogger logger, int minReplicaAcks, TimeSpan timeout);

        [LoggerMessage(2, LogLevel.Warning, "Worker {WorkerId}: a write on {Primary} does not count yet ({Reason}); it is retried")]
        public static partial void ReplicaAcksMissing(ILogger logger, string workerId, string primary, string reason);
    }
}
