namespace Overseer.Models;

/// <summary>The one "is live" rule: a worker in one of these statuses should be running, or is on its way to (queued for a
/// slot, or waiting out a backoff). Supervision, the registry and the worker all use it.</summary>
public static class WorkerStatusExtensions
{
    public static bool IsLive(this WorkerStatus status) => status is WorkerStatus.Pending or WorkerStatus.Running or WorkerStatus.Backoff;
}
