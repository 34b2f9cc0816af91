using System.Collections.Concurrent;
using System.Diagnostics;
using Overseer.Diagnostics;
using Overseer.Models;
using Overseer.Testing;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>A worker's batch spans are roots of their own, linked to the trace of the call that started the run.</summary>
public sealed class TraceLinkTests(OverseerCluster fixture) : IClassFixture<OverseerCluster>
{
    [Fact]
    public async Task BatchSpans_LinkToTheClientCallThatStartedTheWorker()
    {
        var id = $"traced-{Guid.NewGuid():N}";
        var linked = new ConcurrentBag<ActivityTraceId>();
        var batches = 0;
        using var listener = new ActivityListener
        {
            // Orleans' own sources must be listened to, or no activity carries the context into the grain.
            ShouldListenTo = s => s.Name is OverseerTelemetry.Name or "Overseer.Tests" || s.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.OperationName == OverseerTelemetry.BatchSpan && Equals(a.GetTagItem("overseer.worker"), id))
                {
                    Interlocked.Increment(ref batches);
                    foreach (var link in a.Links)
                    {
                        linked.Add(link.Context.TraceId);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var tests = new ActivitySource("Overseer.Tests");

        ActivityTraceId startTrace;
        using (var start = tests.StartActivity("start-worker"))
        {
            startTrace = start!.TraceId;
            await fixture.Manager.StartAsync(id, WorkerSpec.For("sequence", ("limit", "50"), ("batch", "5")));
        }

        await Eventually.UntilAsync(
            () => Task.FromResult(linked.Contains(startTrace)),
            Deadline,
            () => $"a batch span of '{id}' linking to the start call's trace {startTrace} ({batches} batch spans seen, links to {string.Join(", ", linked.Distinct())})");
    }
}
