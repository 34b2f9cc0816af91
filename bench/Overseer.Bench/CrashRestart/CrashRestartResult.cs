namespace Overseer.Bench.CrashRestart;

/// <summary>All repetitions of the crash-restart bench and the settings they ran with.</summary>
/// <param name="Backoff">The silo's BackoffMin = BackoffMax.</param>
/// <param name="RequestedBackoff">The backoff asked for (0); differs from <paramref name="Backoff"/> when the silo refused it.</param>
internal sealed record CrashRestartResult(
    TimeSpan Backoff,
    TimeSpan RequestedBackoff,
    int Workers,
    int Crashes,
    IReadOnlyList<CrashRestartRound> Rounds);
