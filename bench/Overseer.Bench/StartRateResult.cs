namespace Overseer.Bench;

/// <summary>What the start-rate phase measured.</summary>
/// <param name="Passes">Fresh starts, the identical re-start, and the live-worker pair, in the order run.</param>
/// <param name="RepeatReran">Workers whose identical re-start ran them again (they were already Completed).</param>
/// <param name="AllCompletedAfterFirstStart">From the first fresh start to the summary showing every worker Completed.</param>
/// <param name="AllCompletedAfterLastCall">The same, counted from when the identical re-start pass ended.</param>
internal sealed record StartRateResult(
    IReadOnlyList<StartPass> Passes,
    int Workers,
    int RepeatReran,
    TimeSpan AllCompletedAfterFirstStart,
    TimeSpan AllCompletedAfterLastCall);
