using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Overseer.Diagnostics;
using Overseer.Sources;
using Overseer.Workers;

namespace Overseer.Tests.Unit;

/// <summary>The fetch span of <see cref="RunTelemetry.FetchAsync"/>: the task returned is the source's own (a crash's
/// exception is thrown once, by the source, and not again by a frame of ours), the span is current while the source
/// starts its fetch, the caller's span is current again afterwards, and the span ends with the fetch, as an error when
/// it failed.</summary>
public sealed class RunTelemetryTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly ActivitySource _tests = new("Overseer.Tests.RunTelemetry");
    private readonly ActivityListener _listener;
    private readonly ConcurrentDictionary<ActivityTraceId, TaskCompletionSource<Activity>> _fetches = new();

    public RunTelemetryTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == OverseerTelemetry.Name || s.Name == _tests.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.OperationName == OverseerTelemetry.FetchSpan && _fetches.TryGetValue(a.TraceId, out var stopped))
                {
                    stopped.TrySetResult(a);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _tests.Dispose();
    }

    [Fact]
    public async Task FailedFetch_IsTheSourcesOwnTask_AndItsSpanEndsAsAnError()
    {
        var boom = new InvalidOperationException("source failed as configured");
        var failing = Task.FromException<SourceBatch>(boom);
        using var parent = StartParent();
        var fetchEnded = Watch(parent);

        var fetch = Telemetry().FetchAsync(new FakeSource(() => failing), after: 5, paced: false, CancellationToken.None);

        Assert.Same(failing, fetch);
        Assert.Same(parent, Activity.Current);
        var span = await fetchEnded.WaitAsync(Deadline);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(boom.Message, span.StatusDescription);
        Assert.Equal(5L, span.GetTagItem("overseer.after"));
    }

    [Fact]
    public async Task PendingFetch_ItsSpanIsCurrentWhileTheSourceStarts_AndEndsWithTheFetch()
    {
        var batch = new TaskCompletionSource<SourceBatch>();
        Activity? currentInSource = null;
        using var parent = StartParent();
        var fetchEnded = Watch(parent);

        var fetch = Telemetry().FetchAsync(new FakeSource(() =>
        {
            currentInSource = Activity.Current;
            return batch.Task;
        }), after: 0, paced: false, CancellationToken.None);

        Assert.Same(batch.Task, fetch);
        Assert.Same(parent, Activity.Current);
        Assert.Equal(OverseerTelemetry.FetchSpan, currentInSource?.OperationName);
        Assert.Equal(parent.SpanId, currentInSource!.ParentSpanId);
        Assert.False(fetchEnded.IsCompleted, "the fetch span ended before its fetch did");

        batch.SetResult(new SourceBatch([new SourceEvent(1, "a"), new SourceEvent(2, "b"), new SourceEvent(3, "c")], Exhausted: false));
        var span = await fetchEnded.WaitAsync(Deadline);
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Equal(3, span.GetTagItem("overseer.events"));
    }

    [Fact]
    public async Task FetchThatThrowsBeforeItReturnsATask_IsAFailedTask_AndTheCallersSpanIsCurrentAgain()
    {
        var boom = new InvalidOperationException("the source threw before it returned a task");
        using var parent = StartParent();
        var fetchEnded = Watch(parent);

        var fetch = Telemetry().FetchAsync(new FakeSource(() => throw boom), after: 0, paced: false, CancellationToken.None);

        Assert.Same(boom, (await Assert.ThrowsAsync<InvalidOperationException>(() => fetch)));
        Assert.Same(parent, Activity.Current);
        var span = await fetchEnded.WaitAsync(Deadline);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(boom.Message, span.StatusDescription);
    }

    private Activity StartParent() =>
        _tests.StartActivity("test") ?? throw new InvalidOperationException("the test's listener did not sample its own span");

    /// <summary>Completes with the fetch span of <paramref name="parent"/>'s trace once it has ended.</summary>
    private Task<Activity> Watch(Activity parent) =>
        _fetches.GetOrAdd(parent.TraceId, _ => new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    private static RunTelemetry Telemetry()
    {
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        return new RunTelemetry(new OverseerInstruments(meters, new(), new()));
    }

    private sealed class FakeSource(Func<Task<SourceBatch>> fetch) : IEventSource
    {
        public Task<SourceBatch> FetchAsync(long after, CancellationToken cancellationToken) => fetch();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
