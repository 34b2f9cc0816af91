namespace Overseer.Bench;

/// <summary>What the restart phase measured: the same work with and without one crash.</summary>
/// <param name="RegistryStale">Workers whose registry row disagreed with the worker's own status at the end.</param>
internal sealed record RestartLatencyResult(
    RestartGroup Crashing, RestartGroup Clean, TimeSpan PollInterval, IReadOnlyList<string> RegistryStale);
