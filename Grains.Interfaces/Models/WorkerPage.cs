using System.Collections.Immutable;

namespace Overseer.Models;

/// <summary>One page of registry rows; <see cref="NextAfterId"/> is null on the last page.</summary>
[GenerateSerializer, Immutable, Alias("overseer.WorkerPage")]
public sealed record WorkerPage(
    [property: Id(0)] ImmutableArray<WorkerInfo> Items,
    [property: Id(1)] string? NextAfterId);
