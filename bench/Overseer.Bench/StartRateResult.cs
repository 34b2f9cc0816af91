namespace Overseer.Bench;

/// <summary>What the start-rate phase measured.</summary>
/// <param name="Passes">Fresh starts, the identical re-start, and the live-worker pair, in the order run.</param>
/// <param name="Workers">Workers per pass.</param>
/// <param name="RepeatReran">Workers whose identical re-start ran them again (they were already Completed).</param>
/// <param name="RepeatPassEnded">From the first fresh start to the end of the identical re-start pass.</param>
/// <param name="LastCompleted">From the first fresh start to the last worker persisting Completed (workers' own timestamps).</param>
/// <param name="SummaryCompleted">From the first fresh start to the summary first counting every worker Completed;
/// null when it never did (its count stopped moving short of all).</param>
/// <param name="RegistryStale">Workers whose registry row disagreed with the worker's own status after the phase.</param>
internal sealed record StartRateResult(
    IReadOnlyList<StartPass> Passes,
    int Workers,
    int RepeatReran,
    TimeSpan RepeatPassEnded,
    TimeSpan LastCompleted,
    TimeSpan? SummaryCompleted,
    IReadOnlyList<string> RegistryStale);
