namespace Overseer;

/// <summary>The one rule for the actor a client names in the audit stream (<c>Overseer:Client:Actor</c>).</summary>
public static class AuditActors
{
    public const int MaxLength = 128;

    /// <summary>Why <paramref name="actor"/> cannot name who asks, or null when it can.</summary>
    public static string? Validate(string? actor) =>
        string.IsNullOrWhiteSpace(actor) || actor.Length > MaxLength || actor.Any(char.IsControl)
            ? $"invalid actor '{actor}': expected 1..{MaxLength} printable characters naming who asks (the client's Overseer:Client:Actor, default user@host)"
            : null;
}
