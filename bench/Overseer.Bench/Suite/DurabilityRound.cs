namespace Overseer.Bench.Suite;

/// <summary>One measured round of the <c>durability</c> scenario: committed events/s and each batch commit's latency.</summary>
internal sealed record DurabilityRound(double EventsPerSecond, LatencyStats Latency);
