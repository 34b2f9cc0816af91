namespace Overseer.Models;

/// <summary>A snapshot of one worker, as the registry and the worker itself report it.</summary>
[GenerateSerializer, Immutable, Alias("overseer.WorkerInfo")]
public sealed record WorkerInfo
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required WorkerStatus Status { get; init; }
    /// <summary>The last committed sequence number (0 = nothing committed yet).</summary>
    [Id(2)] public long Checkpoint { get; init; }
    /// <summary>Restarts performed by the supervisor since the worker was created.</summary>
    [Id(3)] public int Restarts { get; init; }
    /// <summary>The silo hosting the worker (<c>host:port</c>), or null when it is not active.</summary>
    [Id(4)] public string? Silo { get; init; }
    [Id(5)] public required string Source { get; init; }
    [Id(6)] public string? LastError { get; init; }
    [Id(7)] public RestartPolicy Restart { get; init; }
    /// <summary>When a worker in <see cref="WorkerStatus.Backoff"/> is due to restart.</summary>
    [Id(8)] public DateTimeOffset? NextRestartAt { get; init; }
    [Id(9)] public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>The source's active handler (<c>push</c> or <c>poll</c> for feed sources), while running.</summary>
    [Id(10)] public string? Handler { get; init; }
    /// <summary>Switches from push to poll over the worker's life.</summary>
    [Id(11)] public int Failovers { get; init; }
    /// <summary>The source's head (highest sequence number it knows of), when the source reports one; lag = head − checkpoint.</summary>
    [Id(12)] public long? Head { get; init; }
    /// <summary>Orders snapshots of one worker: a higher version is newer. Reports are one-way messages that may
    /// arrive out of order; the registry keeps the newest.</summary>
    [Id(13)] public long Version { get; init; }
    /// <summary>The registered handler the worker's batches go through (<c>start --handler</c>); null when it has none
    /// (its events are appended to its Redis stream as the source returned them).</summary>
    [Id(14)] public string? EventHandler { get; init; }
    /// <summary>Why and where a <see cref="WorkerStatus.Halted"/> worker halted; null otherwise.</summary>
    [Id(15)] public WorkerHalt? Halt { get; init; }
    /// <summary>The poison-event policy the spec names; null = <see cref="PoisonPolicy.Default"/> (halt at once).</summary>
    [Id(16)] public PoisonPolicy? Poison { get; init; }
    /// <summary>Dead letters the worker holds (poison events it passed with policy dead-letter, not yet replayed or
    /// discarded), as of its last run start or command; <c>overseer dead-letters</c> reads the store itself.</summary>
    [Id(17)] public long DeadLetters { get; init; }
    /// <summary>Reorgs of its source the worker rolled back (no restart counted for any of them).</summary>
    [Id(18)] public int Reorgs { get; init; }
    /// <summary>The last reorg rolled back, as a sentence: its depth, the block's old and new hashes, the common ancestor
    /// it resumed from; null when none.</summary>
    [Id(19)] public string? LastReorg { get; init; }
}
