using Overseer.Models;

namespace Overseer.Supervision;

/// <summary>The one rule for "should this worker run": it wants to (desired state, cleared only by a stop) and its status
/// is live (<see cref="WorkerStatusExtensions.IsLive"/>: pending, running or in a backoff). The worker
/// (<see cref="Workers.WorkerStateMachine.ShouldRun"/>, for a worker that exists) and the registry
/// (<see cref="Registry.RegistryEntry.ShouldRun"/>: restore, stall and silo-loss checks, rebalancing) both ask it here.</summary>
internal static class RunRule
{
    /// <summary>Whether a worker that <paramref name="wantsRun"/> with <paramref name="status"/> should be running or on
    /// its way to.</summary>
    public static bool ShouldRun(bool wantsRun, WorkerStatus status) => wantsRun && status.IsLive();

    /// <summary>The desired state a worker's own <paramref name="status"/> implies, for a row that learns the status
    /// without it (a worker's answer to a poke): a live worker wants to run (only a start or resume makes one live, and
    /// a stop leaves none live), a stopped one does not, and a finished one keeps <paramref name="knownWish"/>. So a row
    /// built from an answer should run exactly when the worker's status is live.</summary>
    public static bool WantsRunOf(WorkerStatus status, bool knownWish) =>
        status.IsLive() || (status != WorkerStatus.Stopped && knownWish);
}
