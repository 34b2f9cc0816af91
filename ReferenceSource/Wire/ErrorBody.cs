namespace Overseer.ReferenceSource.Wire;

/// <summary>Every 4xx/5xx body: <c>{"error":"…"}</c>, naming the bad value and what would be valid.</summary>
internal sealed record ErrorBody(string Error);
