using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Overseer.Diagnostics;
using Overseer.Models;
using Overseer.Sinks;
using Overseer.Sources;
using Overseer.Supervision;

namespace Overseer.Workers;

/// <summary>Metrics and spans of the run loop: one <c>overseer.batch</c> span per fetch-and-commit round with
/// <c>overseer.fetch</c> and <c>overseer.commit</c> children, and an <c>overseer.exit</c> span when a run ends by itself.</summary>
/// <remarks>Spans may carry the worker id (a trace is a per-request record); metric tags never do. The instruments are
/// resolved here rather than in the primary constructor to keep this concern out of the main file.</remarks>
public sealed partial class WorkerGrain
{
    private const string ExitSpan = "overseer.exit";

    private OverseerInstruments? _instruments;

    private OverseerInstruments Instruments => _instruments ??= ServiceProvider.GetRequiredService<OverseerInstruments>();

    /// <summary>The trace of the call that started the current run (a client's start or resume, a supervisor's
    /// poke), which every batch span of the run links to.</summary>
    private ActivityContext _runOrigin;

    private void CaptureRunOrigin() => _runOrigin = Activity.Current?.Context ?? default;

    private Activity? StartBatchSpan()
    {
        // Each batch is a root linked to the call that started the run: the run outlives that request, whose trace
        // would otherwise grow forever. Called from the run loop (an async method), so this only affects the loop's
        // own context.
        Activity.Current = null;
        var span = _runOrigin == default
            ? OverseerTelemetry.ActivitySource.StartActivity(OverseerTelemetry.BatchSpan)
            : OverseerTelemetry.ActivitySource.StartActivity(OverseerTelemetry.BatchSpan, ActivityKind.Internal, default(ActivityContext), links: [new ActivityLink(_runOrigin)]);
        span?.SetTag("overseer.worker", Id);
        span?.SetTag("overseer.source", S.Spec?.Source);
        return span;
    }

    private async Task<SourceBatch> FetchTracedAsync(IEventSource source, CancellationToken cancellationToken)
    {
        using var span = OverseerTelemetry.ActivitySource.StartActivity(OverseerTelemetry.FetchSpan);
        span?.SetTag("overseer.after", _checkpoint);
        try
        {
            var batch = await source.FetchAsync(_checkpoint, cancellationToken);
            span?.SetTag("overseer.events", batch.Events.Count);
            return batch;
        }
        catch (Exception ex) when (span is not null)
        {
            span.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
    }

    /// <summary>Runs one commit (with its retries) in a span, and records its latency and the events it added.</summary>
    private async Task<CommitResult> CommitTracedAsync(long expected, int events, Func<Task<CommitResult>> commit)
    {
        using var span = OverseerTelemetry.ActivitySource.StartActivity(OverseerTelemetry.CommitSpan);
        span?.SetTag("overseer.after", expected);
        span?.SetTag("overseer.events", events);
        var started = Stopwatch.GetTimestamp();
        var result = await commit();
        span?.SetTag("overseer.outcome", result.Outcome == CommitOutcome.Committed ? "committed" : "fenced");
        if (result.Outcome == CommitOutcome.Committed)
        {
            // The checkpoint's advance, not the batch size: what the sink really added.
            Instruments.Committed(S.Spec?.Source ?? "", result.Checkpoint - expected, Stopwatch.GetElapsedTime(started));
        }

        return result;
    }

    /// <summary>Records the supervisor's decision once it is durable.</summary>
    private void RecordExit(ExitKind exit, RestartDecision decision)
    {
        using var span = OverseerTelemetry.ActivitySource.StartActivity(ExitSpan);
        span?.SetTag("overseer.worker", Id);
        span?.SetTag("overseer.exit", exit == ExitKind.Crash ? "crash" : "completed");
        span?.SetTag("overseer.status", S.Status.ToString().ToLowerInvariant());
        if (decision.Restarts)
        {
            Instruments.Restarted(exit);
            span?.AddEvent(new ActivityEvent(OverseerTelemetry.RestartEvent, tags: new ActivityTagsCollection { ["overseer.backoff-ms"] = decision.Delay.TotalMilliseconds }));
        }
        else if (S.Status == WorkerStatus.Failed)
        {
            Instruments.Failed();
            span?.AddEvent(new ActivityEvent(OverseerTelemetry.FailedEvent, tags: new ActivityTagsCollection { ["overseer.reason"] = decision.Reason }));
        }
    }
}
