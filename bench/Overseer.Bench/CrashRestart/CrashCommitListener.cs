using System.Diagnostics;
using Overseer.Diagnostics;

namespace Overseer.Bench.CrashRestart;

/// <summary>Pairs each crash of a worker with the first commit of its next run, from the workers' own spans
/// (<see cref="OverseerTelemetry"/>), in the process that hosts them.</summary>
/// <remarks>Per worker, in the order its spans stop (one worker's run loop is one activation's turns, so that order is
/// causal): an <c>overseer.fetch</c> span that stops with an error is the throw; the <c>overseer.exit</c> span with
/// <c>overseer.exit=crash</c> is the supervisor's decision, opened as the run ends (it spans the decision's state write),
/// and opens a pairing; the next <c>overseer.commit</c> with outcome <c>committed</c> whose parent
/// <c>overseer.batch</c> carries the same <c>overseer.worker</c> closes it (should the exit span only stop after that
/// commit, e.g. a restart run inside it, the first commit after the throw that ended after the exit span started
/// counts instead). Timestamps are
/// <see cref="Stopwatch.GetTimestamp"/> taken in the listener's callbacks. Spans of workers outside the current
/// phase's id prefix are ignored, so stray spans of an earlier phase (a worker still stopping) cannot pair.</remarks>
internal sealed class CrashCommitListener : IDisposable
{
    private const string ExitSpan = "overseer.exit";
    private const string StartedAt = "bench.started-at";

    private readonly ActivityListener _listener;
    private volatile CrashCommitCollector? _collector;

    public CrashCommitListener()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == OverseerTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            SampleUsingParentId = (ref ActivityCreationOptions<string> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = OnStarted,
            ActivityStopped = OnStopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Starts collecting for the workers whose ids start with <paramref name="workerPrefix"/>; ends the previous phase.</summary>
    public CrashCommitCollector Begin(string workerPrefix) => _collector = new CrashCommitCollector(workerPrefix);

    /// <summary>Stops collecting: spans that stop from now on are ignored.</summary>
    public void End() => _collector = null;

    public void Dispose() => _listener.Dispose();

    private static void OnStarted(Activity activity)
    {
        if (activity.OperationName == ExitSpan)
        {
            // Its tags are set after it starts, so which worker it belongs to is read when it stops.
            activity.SetCustomProperty(StartedAt, Stopwatch.GetTimestamp());
        }
    }

    private void OnStopped(Activity activity)
    {
        var now = Stopwatch.GetTimestamp();
        if (_collector is not { } collector)
        {
            return;
        }

        switch (activity.OperationName)
        {
            case ExitSpan when activity.GetTagItem("overseer.worker") is string worker
                && activity.GetTagItem("overseer.exit") as string == "crash"
                && activity.GetCustomProperty(StartedAt) is long startedAt:
                collector.Crashed(worker, startedAt, failed: activity.GetTagItem("overseer.status") as string == "failed");
                break;
            case OverseerTelemetry.FetchSpan when activity.Status == ActivityStatusCode.Error && WorkerOf(activity) is { } worker:
                collector.Threw(worker, now);
                break;
            case OverseerTelemetry.CommitSpan when activity.GetTagItem("overseer.outcome") as string == "committed" && WorkerOf(activity) is { } worker:
                collector.Committed(worker, now);
                break;
        }
    }

    /// <summary>The worker of a fetch or commit span: the tag of its parent batch span (same process, so the parent
    /// object is at hand).</summary>
    private static string? WorkerOf(Activity activity) =>
        activity.Parent is { OperationName: OverseerTelemetry.BatchSpan } batch ? batch.GetTagItem("overseer.worker") as string : null;
}
