namespace Overseer.Models;

/// <summary>A worker's poison-event policy (<c>start --on-poison ACTION --poison-retries N</c>): a handler failure that is
/// not an outage is tried <paramref name="Retries"/> more times on the one failing event, then
/// <paramref name="Action"/> decides. Outages (Redis or PostgreSQL unavailable, serialization failures, timeouts) are never
/// poison: they are retried as outages, and never skipped.</summary>
/// <param name="Action">What to do once the retries are spent.</param>
/// <param name="Retries">Attempts after the first, 0..<see cref="MaxRetries"/>.</param>
[GenerateSerializer, Immutable, Alias("overseer.PoisonPolicy")]
public sealed record PoisonPolicy(
    [property: Id(0)] PoisonAction Action = PoisonAction.Halt,
    [property: Id(1)] int Retries = 0)
{
    /// <summary>The most retries a policy may ask for.</summary>
    public const int MaxRetries = 100;

    /// <summary>Halt at once: the policy of a worker that names none.</summary>
    public static PoisonPolicy Default { get; } = new();

    /// <summary>The action's name on the command line and in <c>status</c>: halt, skip or dead-letter.</summary>
    public static string NameOf(PoisonAction action) => action switch
    {
        PoisonAction.Skip => "skip",
        PoisonAction.DeadLetter => "dead-letter",
        _ => "halt",
    };

    /// <summary>The action named <paramref name="name"/> (halt, skip, dead-letter), or null.</summary>
    public static PoisonAction? Parse(string name) => name switch
    {
        "halt" => PoisonAction.Halt,
        "skip" => PoisonAction.Skip,
        "dead-letter" => PoisonAction.DeadLetter,
        _ => null,
    };

    /// <summary>A problem with this policy, naming the value and what would be valid; null when valid.</summary>
    public string? Validate() =>
        !Enum.IsDefined(Action) ? $"invalid poison action {(int)Action}: expected halt, skip or dead-letter"
        : Retries is < 0 or > MaxRetries ? $"invalid poison retries {Retries}: expected 0..{MaxRetries}"
        : null;

    /// <summary>For <c>status</c> and error messages, e.g. <c>dead-letter after 3 retries</c>.</summary>
    public string Describe() => NameOf(Action) + (Retries > 0 ? $" after {Retries} retries" : "");
}
