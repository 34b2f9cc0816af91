using System.Collections.Immutable;

namespace Overseer.Models;

/// <summary>One page of dead letters, ordered by worker then seq; <see cref="Next"/> is null on the last page.</summary>
[GenerateSerializer, Immutable, Alias("overseer.DeadLetterPage")]
public sealed record DeadLetterPage(
    [property: Id(0)] ImmutableArray<DeadLetter> Items,
    [property: Id(1)] DeadLetterPosition? Next)
{
    /// <summary>The most dead letters one page holds.</summary>
    public const int MaxLimit = 1000;
}
