namespace Overseer.Tests.Grains;

/// <summary>Tests whose bounds are a second or two of wall-clock time (a 1 s stall, a switch-back within 10 s): they run
/// alone, after the parallel ones, so that no test beside them in this process (a Redis failover, a store outage) holds
/// the shared thread pool or the 2 cores while they time. Once in CI (2026-12-08) the switch-back bound of
/// <see cref="FeedFailoverTests"/> ran out (still on poll 10 s after the fault cleared) while a Sentinel failover test
/// ran beside it in the same process; in seven runs after it (alone, beside three CPU hogs, beside that test again) it
/// switched back at once. Which neighbour starved it is not known; running alone takes every neighbour away.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "timing";
}
