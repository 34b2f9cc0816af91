namespace Overseer.Client;

/// <summary>The client could not connect to the Overseer cluster, lost it during a call, or the cluster kept answering
/// that it cannot serve the call right now (its store, e.g. Redis, or one of its silos is unreachable: then the
/// <see cref="Exception.InnerException"/> is that <see cref="Errors.OverseerException"/> with
/// <see cref="Errors.OverseerErrorCode.Unavailable"/>). Unlike a refusal nothing was refused: retrying once the cluster
/// and its store are up may succeed.</summary>
public sealed class ClusterUnreachableException(string message, Exception? innerException = null)
    : Exception(message, innerException);
