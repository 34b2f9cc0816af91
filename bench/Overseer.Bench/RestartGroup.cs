namespace Overseer.Bench;

/// <summary>One group of the restart phase: per-worker time from its start call returning to Completed.</summary>
/// <param name="Committed">To the moment the worker persisted Completed (its own snapshot's UpdatedAt, same host clock).</param>
/// <param name="Observed">To the first registry poll that showed it Completed (adds up to one poll interval); only
/// workers the registry did show Completed, null if none.</param>
/// <param name="Restarts">Restarts each worker reported; verified equal for the whole group.</param>
internal sealed record RestartGroup(string Label, int Workers, int Restarts, LatencyStats Committed, LatencyStats? Observed);
