using Microsoft.Extensions.Time.Testing;
using Overseer.Sources;
using Overseer.Sources.Failover;
using Overseer.Sources.Feeds;
using Overseer.Sources.Polling;

namespace Overseer.Tests.Unit;

public sealed class PollLoopTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxOutage = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Events_AreReturnedAtOnce_WithoutWaiting()
    {
        var time = new FakeTimeProvider();
        var pull = new ScriptedPull(Page(1, 2, 3));
        var loop = new PollLoop(pull, "feed", Interval, MaxOutage, time);

        var batch = await loop.PollAsync(0, wake: null, CancellationToken.None).WaitAsync(FakeClock.Deadline);

        Assert.Equal([1L, 2L, 3L], batch.Events.Select(e => e.Seq));
        Assert.False(batch.Exhausted);
        Assert.Equal([0L], pull.Afters);
    }

    // The scripted handler answers synchronously and the fake clock fires timers only in Advance, so a poll that has
    // not completed right after the call (or an Advance short of the interval) is waiting: no sleep needed to see it.
    [Fact]
    public async Task CaughtUp_WaitsTheInterval_ThenReturnsEmpty()
    {
        var time = new FakeTimeProvider();
        var loop = new PollLoop(new ScriptedPull(Page()), "feed", Interval, MaxOutage, time);

        var poll = loop.PollAsync(7, wake: null, CancellationToken.None);
        var beforeInterval = poll.IsCompleted;
        time.Advance(Interval - TimeSpan.FromMilliseconds(1));
        var justBefore = poll.IsCompleted;
        time.Advance(TimeSpan.FromMilliseconds(1));
        var batch = await poll.WaitAsync(FakeClock.Deadline);

        Assert.False(beforeInterval, "the poll returned before any time passed");
        Assert.False(justBefore, "the poll returned 1 ms before the interval");
        Assert.Empty(batch.Events);
    }

    [Fact]
    public async Task EmptyPage_WithBacklog_ReturnsWithoutWaiting()
    {
        var time = new FakeTimeProvider();
        var loop = new PollLoop(new ScriptedPull(Page()), "node", Interval, MaxOutage, time, backlog: () => true);

        var batch = await loop.PollAsync(0, wake: null, CancellationToken.None).WaitAsync(FakeClock.Deadline);

        Assert.Empty(batch.Events);
    }

    [Fact]
    public async Task CaughtUp_Wake_EndsTheWaitEarly()
    {
        var time = new FakeTimeProvider();
        var wake = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var loop = new PollLoop(new ScriptedPull(Page()), "feed", Interval, MaxOutage, time);

        var poll = loop.PollAsync(0, wake.Task, CancellationToken.None);
        var beforeWake = poll.IsCompleted;
        wake.SetResult(true);
        var batch = await poll.WaitAsync(FakeClock.Deadline);

        Assert.False(beforeWake, "the poll returned before the wake-up");
        Assert.Empty(batch.Events);
    }

    [Fact]
    public async Task CaughtUp_Cancelled_ThrowsAtOnce()
    {
        var time = new FakeTimeProvider();
        using var cancel = new CancellationTokenSource();
        var loop = new PollLoop(new ScriptedPull(Page()), "feed", Interval, MaxOutage, time);

        var poll = loop.PollAsync(0, wake: null, cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => poll.WaitAsync(FakeClock.Deadline));
    }

    [Fact]
    public async Task Failure_BacksOffAndReturnsEmpty_ThenTheNextPageArrives()
    {
        var time = new FakeTimeProvider();
        var pull = new ScriptedPull(Fail("503"), Page(8));
        var loop = new PollLoop(pull, "feed", Interval, MaxOutage, time);

        var failed = await FakeClock.DriveAsync(time, TimeSpan.FromMilliseconds(50), loop.PollAsync(7, null, CancellationToken.None), () => "backing off after a 503");
        var next = await loop.PollAsync(7, null, CancellationToken.None).WaitAsync(FakeClock.Deadline);

        Assert.Empty(failed.Events);
        Assert.Equal([8L], next.Events.Select(e => e.Seq));
        Assert.Equal([7L, 7L], pull.Afters);
    }

    [Fact]
    public async Task Failures_LongerThanMaxOutage_CrashTheRun_NamingWhatWasRead()
    {
        var time = new FakeTimeProvider();
        var loop = new PollLoop(new ScriptedPull(Enumerable.Repeat(Fail("503"), 100).ToArray()), "http://h/feeds/x/events", Interval, MaxOutage, time);

        var thrown = await FakeClock.DriveAsync(time, TimeSpan.FromMilliseconds(100), PollUntilThrownAsync(loop), () => $"the outage to exceed {MaxOutage.TotalSeconds} s at {time.GetUtcNow():O}");

        Assert.StartsWith("http://h/feeds/x/events unusable for ", thrown.Message, StringComparison.Ordinal);
        Assert.EndsWith(" s (maxOutageMs 3000): 503", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Success_ResetsTheOutageClock()
    {
        var time = new FakeTimeProvider();
        var script = new List<Func<IReadOnlyList<SourceEvent>>>();
        for (var i = 0; i < 20; i++)
        {
            script.Add(Fail("503"));
            script.Add(Page(i + 1));
        }

        var pull = new ScriptedPull([.. script]);
        var loop = new PollLoop(pull, "feed", Interval, MaxOutage, time);

        // 20 outages of one backoff each, 2 s of failures and more in all, but never 3 s in a row.
        for (var i = 0; i < 40; i++)
        {
            await FakeClock.DriveAsync(time, TimeSpan.FromMilliseconds(100), loop.PollAsync(i, null, CancellationToken.None), () => $"turn {i}");
        }

        Assert.Equal(40, pull.Afters.Count);
    }

    [Fact]
    public async Task OtherException_IsNotAnOutage_AndCrashesAtOnce()
    {
        var time = new FakeTimeProvider();
        var loop = new PollLoop(new ScriptedPull(() => throw new InvalidOperationException("bug")), "feed", Interval, MaxOutage, time);

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => loop.PollAsync(0, null, CancellationToken.None).WaitAsync(FakeClock.Deadline));

        Assert.Equal("bug", thrown.Message);
    }

    private static async Task<Exception> PollUntilThrownAsync(PollLoop loop)
    {
        while (true)
        {
            try
            {
                await loop.PollAsync(0, null, CancellationToken.None);
            }
            catch (FeedUnavailableException ex)
            {
                return ex;
            }
        }
    }

    private static Func<IReadOnlyList<SourceEvent>> Page(params long[] seqs) => () => seqs.Select(s => new SourceEvent(s, $"e{s}")).ToList();

    private static Func<IReadOnlyList<SourceEvent>> Fail(string reason) => () => throw new FeedUnavailableException(reason);

    /// <summary>Answers each fetch with the next step of its script; the last step repeats.</summary>
    private sealed class ScriptedPull(params Func<IReadOnlyList<SourceEvent>>[] script) : IPullHandler
    {
        private int _next;

        public List<long> Afters { get; } = [];

        public long? Head => null;

        public Task<IReadOnlyList<SourceEvent>> FetchAsync(long after, CancellationToken cancellationToken)
        {
            Afters.Add(after);
            var step = script[Math.Min(_next++, script.Length - 1)];
            return Task.FromResult(step());
        }
    }
}
