namespace Overseer.Bench.CrashRestart;

/// <summary>One repetition: our figure and the baseline, measured back to back in the same process.</summary>
/// <param name="FromExit">Crash (exit span start) → first commit of the next run.</param>
/// <param name="FromThrow">Crash (the fetch that threw) → the same commit; null if no throw was seen.</param>
/// <param name="Touch">Baseline: after a deactivation, one call that reactivates, reads the state and writes it once.</param>
/// <param name="Read">Baseline: after a deactivation, one call that reactivates and reads the state (no write).</param>
/// <param name="Failed">Workers that ended Failed, excluded from <paramref name="FromExit"/>.</param>
/// <param name="Unpaired">Crashes followed by another crash before any commit (not samples).</param>
internal sealed record CrashRestartRound(
    int Number,
    bool BaselineFirst,
    LatencyStats FromExit,
    LatencyStats? FromThrow,
    LatencyStats Touch,
    LatencyStats Read,
    int Workers,
    IReadOnlyList<string> Failed,
    int Unpaired,
    TimeSpan OursElapsed);
