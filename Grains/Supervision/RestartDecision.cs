using Overseer.Models;

namespace Overseer.Supervision;

/// <summary>What the supervisor does after a worker exits.</summary>
/// <param name="Status">The worker's next status: Backoff (restart after <paramref name="Delay"/>), Completed or Failed.</param>
/// <param name="Delay">The backoff before the restart, when restarting.</param>
/// <param name="Reason">Why, for the worker's last error when it ends Failed.</param>
internal sealed record RestartDecision(WorkerStatus Status, TimeSpan Delay, string? Reason)
{
    public bool Restarts => Status == WorkerStatus.Backoff;
}
