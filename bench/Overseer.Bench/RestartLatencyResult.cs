namespace Overseer.Bench;

/// <summary>What the restart phase measured: the same work with and without one crash.</summary>
internal sealed record RestartLatencyResult(RestartGroup Crashing, RestartGroup Clean, TimeSpan PollInterval);
