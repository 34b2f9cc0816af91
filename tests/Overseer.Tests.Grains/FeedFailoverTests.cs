using System.Diagnostics;
using Overseer.Models;
using Overseer.ReferenceSource.Feeds;
using Overseer.Testing;
using Xunit.Abstractions;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>Push with poll fallback against the real reference source: failover and switch-back without a gap.</summary>
/// <remarks>Each test uses its own feed and injects faults for that feed only.</remarks>
[Collection(TimingCollection.Name)]
public sealed class FeedFailoverTests(FeedCluster fixture, ITestOutputHelper output) : IClassFixture<FeedCluster>
{
    private const int StallMs = 1000;

    private IClusterClient Client => fixture.Overseer.Client;

    /// <summary>The stall timeout of the steady-state test: 50 workers' push streams on a loaded 2-core machine can pause
    /// past 1 s without anything being wrong; a pause of 10 s is a failure worth a failover.</summary>
    private const int SteadyStallMs = 10_000;

    private async Task<List<string>> StartAsync(string feed, int workers, params (string, string)[] extra) =>
        await StartAsync(feed, workers, StallMs, extra);

    private async Task<List<string>> StartAsync(string feed, int workers, int stallMs, params (string, string)[] extra)
    {
        var ids = Enumerable.Range(0, workers).Select(i => $"{feed}-w{i:D2}").ToList();
        var spec = WorkerSpec.For("feed", [("url", fixture.Source.FeedUrl(feed)), ("stallMs", stallMs.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("intervalMs", "100"), .. extra]);
        await Task.WhenAll(ids.Select(id => fixture.Overseer.Manager.StartAsync(id, spec)));
        return ids;
    }

    private async Task<WorkerInfo[]> InfosAsync(IEnumerable<string> ids) =>
        await Task.WhenAll(ids.Select(id => Client.GetGrain<IWorkerGrain>(id).GetInfoAsync()));

    private Task<WorkerInfo[]> AllAsync(List<string> ids, Func<WorkerInfo, bool> condition, TimeSpan timeout, string what) =>
        Eventually.UntilAsync(
            () => InfosAsync(ids),
            infos => infos.All(condition),
            timeout,
            infos => $"{what}; not yet: " + string.Join(", ", infos.Where(i => !condition(i)).Take(8).Select(i => $"{i.Id}={i.Status}/{i.Handler}@{i.Checkpoint}")));

    /// <summary>Stops every worker and checks its stream is exactly 1..checkpoint with the feed's payloads.</summary>
    private async Task AssertExactAsync(string feed, List<string> ids)
    {
        foreach (var id in ids)
        {
            var stopped = await fixture.Overseer.Manager.StopAsync(id);
            var events = new List<WorkerEvent>();
            for (long from = 1; ; from = events[^1].Seq + 1)
            {
                var page = await Client.GetGrain<IWorkerGrain>(id).GetEventsAsync(from, 5000);
                events.AddRange(page);
                if (page.Length < 5000)
                {
                    break;
                }
            }

            Assert.True(stopped.Checkpoint > 0, $"worker '{id}' indexed nothing");
            Assert.True(events.Count == stopped.Checkpoint, $"worker '{id}' has {events.Count} events for checkpoint {stopped.Checkpoint}");
            for (var i = 0; i < events.Count; i++)
            {
                Assert.True(events[i].Seq == i + 1, $"worker '{id}' event #{i} is seq {events[i].Seq}: gap or duplicate");
                Assert.Equal(FeedPayload.For(feed, i + 1), events[i].Payload);
            }
        }
    }

    [Fact]
    public async Task Push_FiftyWorkers_IndexContinuously_ExactlyOnce()
    {
        var feeds = Enumerable.Range(0, 5).Select(i => $"push{i}-{Guid.NewGuid():N}"[..16]).ToList();
        var ids = new List<string>();
        foreach (var feed in feeds)
        {
            ids.AddRange(await StartAsync(feed, 10, SteadyStallMs));
        }

        var first = await AllAsync(ids, i => i is { Status: WorkerStatus.Running, Handler: "push" } && i.Checkpoint >= 50, Deadline, "all 50 workers on push past checkpoint 50");
        var later = await AllAsync(ids, i => i.Checkpoint >= first.Single(f => f.Id == i.Id).Checkpoint + 100, Deadline, "all 50 workers to keep indexing (100 more events)");

        Assert.All(later, i => Assert.Equal(0, i.Failovers));
        Assert.All(later, i => Assert.True(i.Head >= i.Checkpoint, $"{i.Id}: head {i.Head} below checkpoint {i.Checkpoint}"));
        foreach (var feed in feeds)
        {
            await AssertExactAsync(feed, [.. ids.Where(id => id.StartsWith(feed, StringComparison.Ordinal))]);
        }
    }

    [Theory]
    [InlineData("http-poll", "poll")]
    [InlineData("websocket", "push")]
    public async Task SingleHandlerKinds_IndexExactly(string kind, string handler)
    {
        var feed = $"{kind}-{Guid.NewGuid():N}"[..20];
        var ids = Enumerable.Range(0, 5).Select(i => $"{feed}-w{i}").ToList();
        var spec = WorkerSpec.For(kind, [("url", fixture.Source.FeedUrl(feed))]);
        await Task.WhenAll(ids.Select(id => fixture.Overseer.Manager.StartAsync(id, spec)));

        var running = await AllAsync(ids, i => i is { Status: WorkerStatus.Running } && i.Checkpoint >= 150, Deadline, $"{kind} workers past checkpoint 150");

        Assert.All(running, i => Assert.Equal(handler, i.Handler));
        await AssertExactAsync(feed, ids);
    }

    [Theory]
    [InlineData("ws-drop", 10)]
    [InlineData("ws-stall", 6)]
    public async Task PushFault_FailsOverWithinTwoStalls_SwitchesBackWithin10s_NoGapNoDuplicate(string mode, int seconds)
    {
        var feed = $"{mode}-{Guid.NewGuid():N}"[..20];
        var ids = await StartAsync(feed, 20);
        await AllAsync(ids, i => i is { Handler: "push" } && i.Checkpoint >= 20, Deadline, "all workers on push before the fault");

        await fixture.Source.InjectFaultAsync(mode, seconds, feed);
        var faulted = Stopwatch.StartNew();
        var onPoll = await AllAsync(ids, i => i.Handler == "poll", TimeSpan.FromMilliseconds(2 * StallMs + 1000), $"all workers on poll within 2 x stallMs after {mode}");
        var failoverTime = faulted.Elapsed;
        await AllAsync(ids, i => i.Checkpoint >= onPoll.Single(p => p.Id == i.Id).Checkpoint + 50, Deadline, "workers to keep indexing through poll during the fault");
        var cleared = TimeSpan.FromSeconds(seconds) - faulted.Elapsed;
        var backOnPush = await AllAsync(ids, i => i.Handler == "push", cleared + TimeSpan.FromSeconds(10), "all workers back on push within 10 s after the fault clears");
        var switchBack = faulted.Elapsed - TimeSpan.FromSeconds(seconds);
        output.WriteLine($"{mode}: all on poll after {failoverTime.TotalMilliseconds:0} ms; all back on push {switchBack.TotalMilliseconds:0} ms after the fault cleared");

        Assert.All(backOnPush, i => Assert.True(i.Failovers >= 1, $"{i.Id} counted no failover"));
        Assert.All(backOnPush, i => Assert.Equal(WorkerStatus.Running, i.Status));
        await AssertExactAsync(feed, ids);
    }

    [Fact]
    public async Task Http500WhilePolling_NoWorkerFails_AndTheyResumeWhenItClears()
    {
        var feed = $"h500-{Guid.NewGuid():N}"[..16];
        var ids = await StartAsync(feed, 10);
        await AllAsync(ids, i => i.Handler == "push" && i.Checkpoint > 0, Deadline, "all workers on push");
        await fixture.Source.InjectFaultAsync("ws-drop", 20, feed);
        await AllAsync(ids, i => i.Handler == "poll", Deadline, "all workers on poll");

        await fixture.Source.InjectFaultAsync("http-500", 5, feed);
        var during = await InfosAsync(ids);
        var resumed = await AllAsync(ids, i => i.Checkpoint >= during.Single(d => d.Id == i.Id).Checkpoint + 100, TimeSpan.FromSeconds(40), "workers to index again after http-500 clears");

        Assert.All(resumed, i => Assert.Equal(WorkerStatus.Running, i.Status));
        Assert.All(resumed, i => Assert.Equal(0, i.Restarts));
        await fixture.Source.ClearFaultsAsync();
        await AssertExactAsync(feed, ids);
    }

    [Fact]
    public async Task SourceKilledAndRestarted_WorkersRideItOut_AndResumeExactly()
    {
        var feed = $"kill-{Guid.NewGuid():N}"[..16];
        var ids = await StartAsync(feed, 10);
        await AllAsync(ids, i => i.Handler == "push" && i.Checkpoint >= 20, Deadline, "all workers on push");

        fixture.Source.Kill();
        var before = await AllAsync(ids, i => i.Handler == "poll", Deadline, "every worker to notice the source is gone (push lost, polling a dead server)");
        await fixture.Source.RestartAsync();
        var after = await AllAsync(ids, i => i.Checkpoint > before.Single(b => b.Id == i.Id).Checkpoint + 20, TimeSpan.FromSeconds(60), "workers to index again after the source restarted");

        Assert.All(after, i => Assert.Equal(WorkerStatus.Running, i.Status));
        Assert.All(after, i => Assert.True(i.Restarts == 0, $"{i.Id} restarted {i.Restarts} times: a short source outage must cost backoff, not a crash"));
        await AssertExactAsync(feed, ids);
    }
}
