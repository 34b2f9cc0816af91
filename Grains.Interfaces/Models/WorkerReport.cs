namespace Overseer.Models;

/// <summary>What a worker tells its partition whenever its status changes, and as a heartbeat.</summary>
/// <param name="Info">The worker's snapshot.</param>
/// <param name="WantsRun">Whether the worker's desired state is running (false after stop).</param>
/// <param name="Detached">True when the activation is going away (graceful deactivation) and the
/// partition should bring the worker back on another silo.</param>
[GenerateSerializer, Immutable, Alias("overseer.WorkerReport")]
public sealed record WorkerReport(
    [property: Id(0)] WorkerInfo Info,
    [property: Id(1)] bool WantsRun,
    [property: Id(2)] bool Detached = false);
