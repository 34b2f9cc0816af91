namespace Overseer.Workers;

/// <summary>The version of a worker's report: the cursor generation in the high bits, a per-activation counter in the low
/// ones. Every activation, stop, start and resume takes a new generation from the sink, so a report of a newer
/// activation always outranks every report of an older one (a dead silo's last heartbeats included), and reports of one
/// activation rank in the order they were made.</summary>
internal static class ReportVersion
{
    private const int CounterBits = 24;
    private const long MaxCounter = (1L << CounterBits) - 1;

    public static long Of(long generation, long counter) => (generation << CounterBits) | Math.Min(counter, MaxCounter);
}
