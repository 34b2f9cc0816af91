namespace Overseer.Hosting;

/// <summary>When a write to Redis counts, bound from <c>Overseer:Redis</c>: by default as soon as the primary answers
/// (replication to its replicas is asynchronous), or, with <see cref="MinReplicaAcks"/>, only once that many replicas
/// have it too (Redis <c>WAIT</c>).</summary>
/// <remarks>It covers every write of the Redis stream output: a batch commit (its events, checkpoint and token), a
/// cursor claim or stop (the generation that fences older runs), a rewind and a delete. Until enough replicas
/// acknowledge, the write is not reported: the worker's checkpoint, its reports and its source's acknowledgement stay
/// where they were and the write is retried as a Redis outage. PostgreSQL handlers are not affected: their commit is the
/// database's transaction.</remarks>
public sealed class RedisDurabilityOptions
{
    /// <summary>The configuration section these options are bound from: <c>Overseer:Redis</c>.</summary>
    public const string SectionName = "Overseer:Redis";

    /// <summary>Replicas of the key's primary that must acknowledge a write before it counts. Default 0: the primary's
    /// answer is enough (a failover can lose the last writes the replicas had not received). With 1 or more, a primary
    /// with fewer reachable replicas stops every commit of its workers (they wait, as in an outage) until enough are
    /// back: keep it below the replicas each primary has.</summary>
    public int MinReplicaAcks { get; set; }

    /// <summary>How long one <c>WAIT</c> waits for the replicas before the write is retried. Default 1 s. It blocks the
    /// connection that carries the commits (a connection of their own, so state, membership and the pool never wait
    /// behind it); keep it below the Redis client's timeout (5 s by default).</summary>
    public TimeSpan ReplicaAckTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether writes wait for replicas.</summary>
    public bool WaitsForReplicas => MinReplicaAcks > 0;
}
