namespace Overseer.Hosting.Dashboard;

/// <summary>One worker as the view shows it; <see cref="Lag"/> is head − checkpoint when the source reports a head;
/// <see cref="HaltedAt"/> the seq a halted worker stopped at; <see cref="DeadLetters"/> those it holds.</summary>
internal sealed record WorkerRow(
    string Id, string Status, long Checkpoint, long? Lag, string? Handler, int Restarts, string? LastError, string? Silo, long? HaltedAt = null, long DeadLetters = 0);
