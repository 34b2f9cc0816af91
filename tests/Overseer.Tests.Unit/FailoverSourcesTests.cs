using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Overseer.Sources;
using Overseer.Sources.Failover;
using Overseer.Sources.Feeds;

namespace Overseer.Tests.Unit;

/// <summary>The public failover API as a team's own source kind uses it: a push handler and a pull handler of its own,
/// composed by <see cref="FailoverSources"/>; only public types below the test's set-up.</summary>
public sealed class FailoverSourcesTests
{
    [Fact]
    public async Task OwnKind_PushFails_PollsFromTheCheckpoint_ThenSwitchesBack_EachEventOnce()
    {
        var time = new FakeTimeProvider();
        var upstream = new Upstream();
        var factory = ActivatorUtilities.CreateInstance<MemoryKindFactory>(Services(time), upstream);
        var worker = new Worker(factory.Create(new SourceContext("w-failover", new Dictionary<string, string>())), time);
        var status = (ISourceHandlerStatus)worker.Source;

        upstream.Append(5);
        await worker.FetchUntilAsync(() => worker.Checkpoint == 5, "phase 1, push: checkpoint 5");
        var phase1 = status.Handler;

        factory.Push.Down = true;
        upstream.Append(5);
        await worker.FetchUntilAsync(() => worker.Checkpoint == 10, "phase 2, push down: checkpoint 10 by polling");
        var phase2 = status.Handler;

        factory.Push.Down = false;
        await worker.FetchUntilAsync(() => status.Handler == "push", "phase 3, push up again: handler=push");
        upstream.Append(5);
        await worker.FetchUntilAsync(() => worker.Checkpoint == 15, "phase 4, push: checkpoint 15");

        Assert.Equal("push", phase1);
        Assert.Equal("poll", phase2);
        Assert.Equal(Enumerable.Range(1, 15).Select(i => (long)i), worker.Delivered);
        Assert.Equal([1L, 2, 3, 4, 5, 11, 12, 13, 14, 15], factory.Push.Delivered);
        Assert.Equal([6L, 7, 8, 9, 10], factory.Pull.Delivered);
        Assert.Equal(1, status.Failovers);
        Assert.Equal(15, status.Head);
        await worker.Source.DisposeAsync();
    }

    [Fact]
    public void Create_StallOutOfRange_IsRefused_NamingTheOption()
    {
        var failover = Services(new FakeTimeProvider()).GetRequiredService<FailoverSources>();
        var upstream = new Upstream();

        var thrown = Assert.Throws<ArgumentException>(() => failover.Create(
            new SourceContext("w-bad", new Dictionary<string, string>()),
            new MemoryPush(upstream),
            new MemoryPull(upstream),
            new FailoverOptions { PushName = "memory", PullName = "memory", Stall = TimeSpan.FromMilliseconds(10) }));

        Assert.Contains("FailoverOptions.Stall = 10 ms is out of range: expected 100 ms to 1 h", thrown.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Services(TimeProvider time)
    {
        var services = new ServiceCollection().AddLogging().AddSingleton(time);
        Overseer.Hosting.OverseerServiceCollectionExtensions.AddOverseerGrains(services);
        return services.BuildServiceProvider();
    }

    /// <summary>A team's kind: everything but the two handlers comes from <see cref="FailoverSources"/>.</summary>
    private sealed class MemoryKindFactory(FailoverSources failover, Upstream upstream) : IEventSourceFactory
    {
        public MemoryPush Push { get; } = new(upstream);

        public MemoryPull Pull { get; } = new(upstream);

        public SequenceDensity Density => SequenceDensity.Dense;

        public IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> options) => [];

        public IEventSource Create(SourceContext context) =>
            failover.Create(context, Push, Pull, new FailoverOptions { PushName = "memory push", PullName = "memory pull", Stall = TimeSpan.FromSeconds(2) });
    }

    /// <summary>The upstream both handlers read: events 1, 2, 3, … appended by the test.</summary>
    private sealed class Upstream
    {
        private readonly List<SourceEvent> _events = [];

        public long Head => _events.Count;

        public void Append(int count)
        {
            for (var i = 0; i < count; i++)
            {
                _events.Add(new SourceEvent(_events.Count + 1, $"e{_events.Count + 1}"));
            }
        }

        public IReadOnlyList<SourceEvent> After(long after, int max) => _events.Where(e => e.Seq > after).Take(max).ToList();
    }

    /// <summary>Push: up to 4 events per receive, an empty heartbeat when there are none, an outage while down.</summary>
    private sealed class MemoryPush(Upstream upstream) : IPushHandler
    {
        public volatile bool Down;

        public List<long> Delivered { get; } = [];

        public long? Head => upstream.Head;

        public Task<IReadOnlyList<SourceEvent>> ReceiveAsync(long after, CancellationToken cancellationToken)
        {
            ThrowIfDown();
            var page = upstream.After(after, 4);
            Delivered.AddRange(page.Select(e => e.Seq));
            return Task.FromResult(page);
        }

        public Task ProbeAsync(long after, CancellationToken cancellationToken)
        {
            ThrowIfDown();
            return Task.CompletedTask;
        }

        public Task ResetAsync() => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private void ThrowIfDown()
        {
            if (Down)
            {
                throw new FeedUnavailableException("memory push is down");
            }
        }
    }

    /// <summary>Pull: pages of 3 after the cursor.</summary>
    private sealed class MemoryPull(Upstream upstream) : IPullHandler
    {
        public List<long> Delivered { get; } = [];

        public long? Head => upstream.Head;

        public Task<IReadOnlyList<SourceEvent>> FetchAsync(long after, CancellationToken cancellationToken)
        {
            var page = upstream.After(after, 3);
            Delivered.AddRange(page.Select(e => e.Seq));
            return Task.FromResult(page);
        }
    }

    /// <summary>What a worker does with a source: fetch after its checkpoint, check the batch follows it, advance.</summary>
    private sealed class Worker(IEventSource source, FakeTimeProvider time)
    {
        public IEventSource Source => source;

        public long Checkpoint { get; private set; }

        public List<long> Delivered { get; } = [];

        public async Task FetchUntilAsync(Func<bool> done, string phase)
        {
            for (var fetches = 0; !done(); fetches++)
            {
                Assert.True(fetches < 1000, $"{phase}: not reached in 1000 fetches; checkpoint {Checkpoint}, delivered [{string.Join(",", Delivered)}]");
                var batch = await FakeClock.DriveAsync(time, TimeSpan.FromMilliseconds(100), source.FetchAsync(Checkpoint, CancellationToken.None),
                    () => $"{phase}: a fetch after {Checkpoint} to return");
                foreach (var e in batch.Events)
                {
                    Assert.True(e.Seq == Checkpoint + 1, $"{phase}: expected seq {Checkpoint + 1} after checkpoint {Checkpoint}, got {e.Seq} (gap or duplicate)");
                    Checkpoint = e.Seq;
                    Delivered.Add(e.Seq);
                }
            }
        }
    }
}
