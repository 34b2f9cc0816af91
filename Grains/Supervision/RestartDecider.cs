using Overseer.Models;

namespace Overseer.Supervision;

/// <summary>OTP restart semantics as a pure function: policy + recent restarts → restart, complete or fail.</summary>
/// <remarks>Intensity: a worker may be restarted at most <c>MaxRestarts</c> times within any <c>Window</c>;
/// the exit that would need one more restart fails it. Backoff: <c>BackoffMin · 2^recent</c> capped at
/// <c>BackoffMax</c>, with "equal jitter" (half fixed, half random) so restarts of many workers spread out.</remarks>
internal static class RestartDecider
{
    public static RestartDecision Decide(
        ExitKind exit,
        RestartPolicy policy,
        IReadOnlyList<DateTimeOffset> restartHistory,
        RestartLimits limits,
        DateTimeOffset now,
        double jitter01)
    {
        var restartWanted = (exit, policy) switch
        {
            (ExitKind.Completed, RestartPolicy.Permanent) => true,
            (ExitKind.Completed, _) => false,
            (ExitKind.Crash, RestartPolicy.Temporary) => false,
            _ => true,
        };

        if (!restartWanted)
        {
            return exit == ExitKind.Completed
                ? new RestartDecision(WorkerStatus.Completed, TimeSpan.Zero, null)
                : new RestartDecision(WorkerStatus.Failed, TimeSpan.Zero, "crashed with restart policy temporary (never restarted)");
        }

        var recent = CountRecent(restartHistory, limits.Window, now);
        if (recent >= limits.MaxRestarts)
        {
            return new RestartDecision(
                WorkerStatus.Failed,
                TimeSpan.Zero,
                $"restart intensity exceeded: {recent} restarts within {limits.Window.TotalSeconds:0.###} s (max-restarts {limits.MaxRestarts})");
        }

        return new RestartDecision(WorkerStatus.Backoff, Backoff(recent, limits, jitter01), null);
    }

    public static int CountRecent(IReadOnlyList<DateTimeOffset> history, TimeSpan window, DateTimeOffset now)
    {
        var count = 0;
        foreach (var at in history)
        {
            if (now - at < window)
            {
                count++;
            }
        }

        return count;
    }

    public static TimeSpan Backoff(int recentRestarts, RestartLimits limits, double jitter01)
    {
        var exponent = Math.Min(recentRestarts, 30);
        var ceiling = Math.Min(limits.BackoffMin.TotalMilliseconds * Math.Pow(2, exponent), limits.BackoffMax.TotalMilliseconds);
        var half = ceiling / 2;
        return TimeSpan.FromMilliseconds(half + (half * Math.Clamp(jitter01, 0, 1)));
    }
}
