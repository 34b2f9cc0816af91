namespace Overseer.Cli.Watch;

/// <summary>One row of the slowest-workers table.</summary>
/// <param name="Lag">head − checkpoint, when the source reports a head.</param>
internal sealed record SlowWorker(string Id, long Checkpoint, long? Head, long? Lag, string? Handler, string? Silo);
