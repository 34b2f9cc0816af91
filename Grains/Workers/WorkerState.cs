using Overseer.Models;

namespace Overseer.Workers;

/// <summary>A worker's persisted state (Redis grain storage). Only <see cref="WorkerStateMachine"/> changes status,
/// desired state, next-restart time, restart history and checkpoint.</summary>
/// <remarks>The checkpoint here is refreshed at every exit, stop and graceful deactivation; the authoritative, per-batch
/// checkpoint is the sink's cursor, written atomically with the events. What a silo crash can lose is therefore only
/// this copy's lag behind the cursor (the next run reads the cursor), and a status change not yet written: a run that
/// started after a backoff or a queue is still stored as Backoff (due) or Pending, which restore treats alike.</remarks>
[GenerateSerializer, Alias("overseer.WorkerState")]
internal sealed class WorkerState
{
    [NonSerialized]
    private List<DateTimeOffset>? _restartHistory;

    [Id(0)] public WorkerSpec? Spec { get; set; }
    [Id(1)] public WorkerStatus Status { get; set; }
    /// <summary>Desired state: false once stopped, until started or resumed. Stop always wins.</summary>
    [Id(2)] public bool WantsRun { get; set; }
    [Id(3)] public long Checkpoint { get; set; }
    /// <summary>When recent restarts happened (bounded), for the restart-intensity check; null when none did (a worker
    /// that has not restarted within its window holds no list: 32 bytes for each of 100,000 idle workers). An empty
    /// list, as earlier versions stored it, is read as none.</summary>
    [Id(4)] public List<DateTimeOffset>? RestartHistory { get => _restartHistory; set => _restartHistory = value is { Count: > 0 } ? value : null; }
    [Id(5)] public int Restarts { get; set; }
    [Id(6)] public string? LastError { get; set; }
    [Id(7)] public DateTimeOffset? NextRestartAt { get; set; }
    [Id(8)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(9)] public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Push-to-poll failovers of finished runs (the running source counts its own).</summary>
    [Id(10)] public int Failovers { get; set; }
    /// <summary>Persisted writes so far (diagnostics).</summary>
    [Id(11)] public long Writes { get; set; }
    /// <summary>The cursor generation of the activation that wrote this state last: the high part of report versions
    /// (<see cref="ReportVersion"/>), so that an activation that has not claimed yet still ranks by the newest it knows.</summary>
    [Id(12)] public long Generation { get; set; }
    /// <summary>Why and where the worker halted, while <see cref="WorkerStatus.Halted"/>.</summary>
    [Id(13)] public WorkerHalt? Halt { get; set; }
    /// <summary>Dead letters held, as of the last run start or command (the store has the truth).</summary>
    [Id(14)] public long DeadLetters { get; set; }
    /// <summary>Reorgs of its source the worker rolled back.</summary>
    [Id(15)] public int Reorgs { get; set; }
    /// <summary>The last of them, as a sentence.</summary>
    [Id(16)] public string? LastReorg { get; set; }
}
