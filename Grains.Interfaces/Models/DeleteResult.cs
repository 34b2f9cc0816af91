namespace Overseer.Models;

/// <summary>What a delete removed.</summary>
/// <param name="Id">The deleted worker.</param>
/// <param name="Checkpoint">Its checkpoint when it was deleted (the last event it had committed).</param>
/// <param name="EventsRemoved">Entries removed from its event stream (0 with keep-events).</param>
/// <param name="EventsKept">The event stream was kept for a consumer (keep-events).</param>
[GenerateSerializer, Immutable, Alias("overseer.DeleteResult")]
public sealed record DeleteResult(
    [property: Id(0)] string Id,
    [property: Id(1)] long Checkpoint,
    [property: Id(2)] long EventsRemoved,
    [property: Id(3)] bool EventsKept);
