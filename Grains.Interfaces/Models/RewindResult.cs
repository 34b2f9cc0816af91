namespace Overseer.Models;

/// <summary>What a rewind did.</summary>
/// <param name="Worker">The worker afterwards: its checkpoint is the rewind's target, and it runs again if it was running.</param>
/// <param name="FromCheckpoint">The checkpoint before the rewind.</param>
/// <param name="EventsRemoved">Events after the target removed from the worker's stream.</param>
[GenerateSerializer, Immutable, Alias("overseer.RewindResult")]
public sealed record RewindResult(
    [property: Id(0)] WorkerInfo Worker,
    [property: Id(1)] long FromCheckpoint,
    [property: Id(2)] long EventsRemoved);
