namespace Overseer.Drill;

/// <summary>A broken promise: which one, and what was seen (naming the worker and the seq where there is one).</summary>
internal sealed record DrillViolation(DrillPromise Promise, string Detail);
