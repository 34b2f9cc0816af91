namespace Overseer.Client;

/// <summary>The client could not connect to the Overseer cluster, or lost it during a call. Unlike
/// <see cref="Errors.OverseerException"/> nothing was refused: retrying once the cluster is up may succeed.</summary>
public sealed class ClusterUnreachableException(string message, Exception? innerException = null)
    : Exception(message, innerException);
