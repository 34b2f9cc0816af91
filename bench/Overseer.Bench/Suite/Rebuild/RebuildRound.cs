namespace Overseer.Bench.Suite.Rebuild;

/// <summary>One measured index of the whole chain, from the node or (a rebuild) from the raw worker's stream: how long
/// from the call (start, or rewind) to the last Transfer committed, and each batch commit's latency.</summary>
/// <param name="Call">The start or rewind call's own duration, inside <paramref name="Elapsed"/>.</param>
/// <param name="Commits">Batch commits that carried the events.</param>
internal sealed record RebuildRound(int Events, TimeSpan Elapsed, TimeSpan Call, LatencyStats Latency, int Commits)
{
    public double EventsPerSecond => Events / Elapsed.TotalSeconds;
}
