namespace Overseer.Models;

/// <summary>Where a page of dead letters continues: after this worker's seq.</summary>
[GenerateSerializer, Immutable, Alias("overseer.DeadLetterPosition")]
public sealed record DeadLetterPosition(
    [property: Id(0)] string WorkerId,
    [property: Id(1)] long Seq);
