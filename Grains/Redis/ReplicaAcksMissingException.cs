namespace Overseer.Redis;

/// <summary>A write reached the primary but fewer replicas than <c>Overseer:Redis:MinReplicaAcks</c> acknowledged it in
/// time: it does not count yet. A Redis outage for <see cref="RedisFaults"/> (retried, never a crash).</summary>
internal sealed class ReplicaAcksMissingException(string message, Exception? inner = null) : Exception(message, inner);
