using System.Diagnostics;
using Overseer.Diagnostics;

namespace Overseer.Bench.Suite.Reorg;

/// <summary>The worker's own share of a new head, from its spans (<see cref="OverseerTelemetry"/>) in the process that
/// hosts it: from the start of the first <c>overseer.fetch</c> that sees the new head (one that returns blocks, or one
/// that throws because the new block's parent is not the committed one) to the end of the next <c>overseer.commit</c>
/// with outcome <c>committed</c>. For a reorg that is the fetch that finds the fork, the fenced rollback, the fetch of the
/// new branch and its commit; for an ordinary block, its fetch and commit. Polls that see nothing new do not count, so
/// neither the poll interval nor the node's mining does.</summary>
/// <remarks>Only the spans of one worker (the tag of the fetch's or commit's parent <c>overseer.batch</c>) are used;
/// timestamps are <see cref="Stopwatch.GetTimestamp"/> taken in the listener's callbacks. Listening samples every span
/// of the <c>Overseer</c> source, so it is on only while the rollbacks are measured.</remarks>
internal sealed class HeadStepListener : IDisposable
{
    private const string StartedAt = "bench.started-at";

    private readonly ActivityListener _listener;
    private readonly Lock _gate = new();
    private readonly string _worker;
    private readonly List<double> _steps = [];
    private long? _seen;

    public HeadStepListener(string worker)
    {
        _worker = worker;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == OverseerTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            SampleUsingParentId = (ref ActivityCreationOptions<string> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = a => a.SetCustomProperty(StartedAt, Stopwatch.GetTimestamp()),
            ActivityStopped = OnStopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The steps completed since the last call (ms), oldest first.</summary>
    public List<double> Take()
    {
        lock (_gate)
        {
            var steps = _steps.ToList();
            _steps.Clear();
            return steps;
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnStopped(Activity activity)
    {
        var now = Stopwatch.GetTimestamp();
        if (activity.Parent is not { OperationName: OverseerTelemetry.BatchSpan } batch || batch.GetTagItem("overseer.worker") as string != _worker)
        {
            return;
        }

        lock (_gate)
        {
            switch (activity.OperationName)
            {
                case OverseerTelemetry.FetchSpan when _seen is null && activity.GetCustomProperty(StartedAt) is long started
                    && (activity.Status == ActivityStatusCode.Error || activity.GetTagItem("overseer.events") is int and > 0):
                    _seen = started;
                    break;
                case OverseerTelemetry.CommitSpan when _seen is { } seen && activity.GetTagItem("overseer.outcome") as string == "committed":
                    _steps.Add(Stopwatch.GetElapsedTime(seen, now).TotalMilliseconds);
                    _seen = null;
                    break;
            }
        }
    }
}
