namespace Overseer.Supervision;

/// <summary>The effective restart intensity and backoff for one worker.</summary>
internal sealed record RestartLimits(int MaxRestarts, TimeSpan Window, TimeSpan BackoffMin, TimeSpan BackoffMax);
