namespace Overseer.Models;

/// <summary>One line of the audit stream: who asked for a destructive operation, when, on what, and how it ended.</summary>
/// <param name="At">When it was written, by the Redis server's clock.</param>
/// <param name="Actor">Who asked, as the client named itself (<c>Overseer:Client:Actor</c>; default user@host).
/// Overseer does not authenticate clients: this is a record of intent, not of identity.</param>
/// <param name="Action">The operation: <c>delete</c> or <c>rewind</c>.</param>
/// <param name="WorkerId">The worker it applies to.</param>
/// <param name="Detail">Its arguments, e.g. <c>to 120</c> or <c>keep-events</c>.</param>
/// <param name="Outcome"><c>requested</c> (written before anything changes), then <c>done: …</c>, <c>refused: …</c> or
/// <c>failed: …</c>.</param>
[GenerateSerializer, Immutable, Alias("overseer.AuditEntry")]
public sealed record AuditEntry(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Actor,
    [property: Id(2)] string Action,
    [property: Id(3)] string WorkerId,
    [property: Id(4)] string Detail,
    [property: Id(5)] string Outcome);
