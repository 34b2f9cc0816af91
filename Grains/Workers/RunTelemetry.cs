using System.Diagnostics;
using Overseer.Diagnostics;
using Overseer.Models;
using Overseer.Outputs;
using Overseer.Redis;
using Overseer.Sources;
using Overseer.Supervision;

namespace Overseer.Workers;

/// <summary>Metrics and spans of a worker's runs: one <c>overseer.batch</c> span per fetch-and-commit round with
/// <c>overseer.fetch</c> and <c>overseer.commit</c> children, and an <c>overseer.exit</c> span from the moment a run ends
/// by itself until the supervisor's decision is durable.</summary>
/// <remarks>Spans may carry the worker id (a trace is a per-request record); metric tags never do. Each batch is a root
/// linked (not parented) to the call that started the run, so a long run does not grow one trace forever.</remarks>
internal sealed class RunTelemetry(OverseerInstruments instruments)
{
    private const string ExitSpan = "overseer.exit";

    /// <summary>The trace of the call that started the current run (a client's start or resume, a supervisor's poke).</summary>
    private ActivityContext _origin;

    public OverseerInstruments Instruments => instruments;

    /// <summary>Takes the current trace as the origin of the runs to come; a restart from the backoff timer (no trace)
    /// keeps the origin of the run it restarts.</summary>
    public void CaptureOrigin()
    {
        if (Activity.Current is { } current)
        {
            _origin = current.Context;
        }
    }

    public Activity? StartBatch(string workerId, string source)
    {
        // Called from the run loop (an async method), so clearing Current only affects the loop's own context.
        Activity.Current = null;
        var span = _origin == default
            ? OverseerTelemetry.ActivitySource.StartActivity(OverseerTelemetry.BatchSpan)
            : OverseerTelemetry.ActivitySource.StartActivity(OverseerTelemetry.BatchSpan, ActivityKind.Internal, default(ActivityContext), links: [new ActivityLink(_origin)]);
        span?.SetTag("overseer.worker", workerId);
        span?.SetTag("overseer.source", source);
        return span;
    }

    /// <summary>The source's fetch (<paramref name="paced"/>: <see cref="IPacedSource.FetchPacedAsync"/>, its pace waited
    /// out already), in an <c>overseer.fetch</c> span when anything listens; either way the task returned is the fetch's
    /// own, so that a worker waiting on its source holds no frame of ours, and a fetch that throws (a crash) throws once,
    /// not once more for each frame that awaits it.</summary>
    public Task<SourceBatch> FetchAsync(IEventSource source, long after, bool paced, CancellationToken cancellationToken)
    {
        if (!OverseerTelemetry.ActivitySource.HasListeners())
        {
            return Fetch(source, after, paced, cancellationToken);
        }

        // The span is current while the source starts its fetch (its own spans are children), then the caller's is again,
        // as it would be after an async method's first await; the span ends when the fetch does.
        var previous = Activity.Current;
        var span = OverseerTelemetry.ActivitySource.StartActivity(OverseerTelemetry.FetchSpan);
        if (span is null)
        {
            return Fetch(source, after, paced, cancellationToken);
        }

        span.SetTag("overseer.after", after);
        Task<SourceBatch> fetch;
        try
        {
            fetch = Fetch(source, after, paced, cancellationToken);
        }
        catch (Exception ex)
        {
            fetch = Task.FromException<SourceBatch>(ex);
        }
        finally
        {
            Activity.Current = previous;
        }

        _ = EndFetchSpanAsync(fetch, span);
        return fetch;
    }

    private static Task<SourceBatch> Fetch(IEventSource source, long after, bool paced, CancellationToken cancellationToken) =>
        paced ? ((IPacedSource)source).FetchPacedAsync(after, cancellationToken) : source.FetchAsync(after, cancellationToken);

    /// <summary>Ends <paramref name="span"/> as <paramref name="fetch"/> completes, with its events or its error; never
    /// throws (the fetch's own task carries its failure to the run).</summary>
    private static async Task EndFetchSpanAsync(Task<SourceBatch> fetch, Activity span)
    {
        await ((Task)fetch).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (fetch.IsCompletedSuccessfully)
        {
            span.SetTag("overseer.events", fetch.Result.Events.Count);
        }
        else
        {
            // A cancelled fetch too, as when the span saw the exception its await threw.
            span.SetStatus(ActivityStatusCode.Error, fetch.Exception?.InnerException?.Message ?? "cancelled");
        }

        span.Dispose();
    }

    /// <summary>Runs one commit (with its retries) in a span, and records its latency and the events it added.</summary>
    public async Task<CommitResult> CommitAsync(string source, long expected, int events, Func<Task<CommitResult>> commit)
    {
        using var span = OverseerTelemetry.ActivitySource.StartActivity(OverseerTelemetry.CommitSpan);
        span?.SetTag("overseer.after", expected);
        span?.SetTag("overseer.events", events);
        var started = Stopwatch.GetTimestamp();
        var result = await commit();
        span?.SetTag("overseer.outcome", result.Outcome.ToString().ToLowerInvariant());
        if (result.Outcome == CommitOutcome.Committed)
        {
            // The batch's events when the checkpoint advanced (a sparse source's seqs jump, so the advance is not a count);
            // none when a retried commit found them committed already.
            instruments.Committed(source, result.Checkpoint > expected ? events : 0, Stopwatch.GetElapsedTime(started));
        }

        return result;
    }

    /// <summary>Records what the poison policy did with an event its handler failed on alone (a span event on the batch).</summary>
    public void RecordPoison(string workerId, long seq, PoisonAction action, Handlers.HandlerFailedException failure)
    {
        Activity.Current?.AddEvent(new ActivityEvent("overseer.poison", tags: new ActivityTagsCollection
        {
            ["overseer.worker"] = workerId,
            ["overseer.seq"] = seq,
            ["overseer.action"] = PoisonPolicy.NameOf(action),
            ["exception.type"] = failure.ErrorType,
        }));
        switch (action)
        {
            case PoisonAction.DeadLetter:
                instruments.DeadLettered();
                break;
            case PoisonAction.Skip:
                instruments.Skipped(byOperator: false);
                break;
            default:
                instruments.Halted(HaltReason.PoisonEvent);
                break;
        }
    }

    /// <summary>Records a rollback after a reorg of the source (a span event on the batch, the reorg counter and depth).</summary>
    public void RecordRollback(string workerId, string source, Sources.SourceRollbackException rollback, long removed)
    {
        Activity.Current?.AddEvent(new ActivityEvent("overseer.reorg", tags: new ActivityTagsCollection
        {
            ["overseer.worker"] = workerId,
            ["overseer.reorg.depth"] = rollback.Depth,
            ["overseer.reorg.to-seq"] = rollback.ToSeq,
            ["overseer.reorg.removed"] = removed,
        }));
        instruments.RolledBack(source, rollback.Depth);
    }

    /// <summary>Records a halt its source asked for (a span event on the batch, and the halted counter).</summary>
    public void RecordSourceHalt(string workerId, Sources.SourceHaltException halt)
    {
        Activity.Current?.AddEvent(new ActivityEvent("overseer.source-halt", tags: new ActivityTagsCollection
        {
            ["overseer.worker"] = workerId,
            ["overseer.reason"] = halt.Reason.ToString(),
            ["exception.type"] = halt.GetType().FullName,
        }));
        instruments.Halted(halt.Reason);
    }

    /// <summary>A run halted because the cursor holds effects of handler version <paramref name="committed"/> and its
    /// handler has <paramref name="current"/>.</summary>
    public void RecordVersionHalt(string workerId, int committed, int current)
    {
        Activity.Current?.AddEvent(new ActivityEvent("overseer.handler-version", tags: new ActivityTagsCollection
        {
            ["overseer.worker"] = workerId,
            ["overseer.handler-version.committed"] = committed,
            ["overseer.handler-version.current"] = current,
        }));
        instruments.Halted(HaltReason.HandlerVersion);
    }

    /// <summary>Opens the exit span as a run ends by itself (dispose it once the decision is durable).</summary>
    public Activity? StartExit(string workerId, ExitKind exit)
    {
        var span = OverseerTelemetry.ActivitySource.StartActivity(ExitSpan);
        span?.SetTag("overseer.worker", workerId);
        span?.SetTag("overseer.exit", exit == ExitKind.Crash ? "crash" : "completed");
        return span;
    }

    /// <summary>Records the supervisor's decision on the exit span and in the metrics.</summary>
    public void RecordExit(Activity? span, ExitKind exit, WorkerStatus status, RestartDecision decision)
    {
        span?.SetTag("overseer.status", status.ToString().ToLowerInvariant());
        if (decision.Restarts)
        {
            instruments.Restarted(exit);
            span?.AddEvent(new ActivityEvent(OverseerTelemetry.RestartEvent, tags: new ActivityTagsCollection { ["overseer.backoff-ms"] = decision.Delay.TotalMilliseconds }));
        }
        else if (status == WorkerStatus.Failed)
        {
            instruments.Failed();
            span?.AddEvent(new ActivityEvent(OverseerTelemetry.FailedEvent, tags: new ActivityTagsCollection { ["overseer.reason"] = decision.Reason }));
        }
    }
}
