namespace Overseer.Models;

/// <summary>What a start or resume does when the running-worker pool (<c>Overseer:Pool:MaxRunningWorkers</c>) is full.</summary>
[GenerateSerializer, Alias("overseer.StartMode")]
public enum StartMode
{
    /// <summary>Queue the worker as <see cref="WorkerStatus.Pending"/> (FIFO); it runs when a slot frees.</summary>
    Queue = 0,
    /// <summary>Refuse at once with <see cref="Errors.OverseerErrorCode.PoolFull"/>; nothing is queued or changed.</summary>
    Try = 1,
}
