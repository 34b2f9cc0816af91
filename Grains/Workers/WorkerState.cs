using Overseer.Models;

namespace Overseer.Workers;

/// <summary>A worker's persisted state (Redis grain storage). The checkpoint here is refreshed on every status
/// change; the authoritative, per-batch checkpoint is the sink's cursor, written atomically with the events.</summary>
[GenerateSerializer, Alias("overseer.WorkerState")]
public sealed class WorkerState
{
    [Id(0)] public WorkerSpec? Spec { get; set; }
    [Id(1)] public WorkerStatus Status { get; set; }
    /// <summary>Desired state: false once stopped, until started or resumed. Stop always wins.</summary>
    [Id(2)] public bool WantsRun { get; set; }
    [Id(3)] public long Checkpoint { get; set; }
    /// <summary>When recent restarts happened (bounded), for the restart-intensity check.</summary>
    [Id(4)] public List<DateTimeOffset> RestartHistory { get; set; } = [];
    [Id(5)] public int Restarts { get; set; }
    [Id(6)] public string? LastError { get; set; }
    [Id(7)] public DateTimeOffset? NextRestartAt { get; set; }
    [Id(8)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(9)] public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Push-to-poll failovers of finished runs (the running source counts its own).</summary>
    [Id(10)] public int Failovers { get; set; }
    /// <summary>Persisted writes so far: orders this worker's reports across activations.</summary>
    [Id(11)] public long Writes { get; set; }
}
