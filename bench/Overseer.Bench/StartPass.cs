namespace Overseer.Bench;

/// <summary>One pass of start calls: how long it took and each call's latency.</summary>
internal sealed record StartPass(string Label, int Calls, TimeSpan Elapsed, LatencyStats Latency)
{
    public double CallsPerSecond => Calls / Elapsed.TotalSeconds;
}
