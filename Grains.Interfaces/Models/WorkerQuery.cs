namespace Overseer.Models;

/// <summary>A page request over the registry, ordered by worker id (ordinal).</summary>
/// <param name="Status">Only workers in this status; null = all.</param>
/// <param name="AfterId">Start after this id (exclusive); null = from the first.</param>
/// <param name="Limit">Page size, 1..<see cref="MaxLimit"/>.</param>
/// <param name="Prefix">Only workers whose id starts with this (ordinal); null = all.</param>
[GenerateSerializer, Immutable, Alias("overseer.WorkerQuery")]
public sealed record WorkerQuery(
    [property: Id(0)] WorkerStatus? Status = null,
    [property: Id(1)] string? AfterId = null,
    [property: Id(2)] int Limit = 1000,
    [property: Id(3)] string? Prefix = null)
{
    public const int MaxLimit = 5000;
}
