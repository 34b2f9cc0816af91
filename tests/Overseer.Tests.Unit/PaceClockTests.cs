using System.Collections.Immutable;
using Microsoft.Extensions.Time.Testing;
using Overseer.Sources;

namespace Overseer.Tests.Unit;

public sealed class PaceClockTests
{
    [Fact]
    public void Waits_CompleteWhenDue_InDueOrder_WhateverTheOrderTheyStarted()
    {
        var time = new FakeTimeProvider();
        using var clock = new PaceClock(time);
        var late = clock.Start(TimeSpan.FromSeconds(30));
        var early = clock.Start(TimeSpan.FromSeconds(10));

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(early.IsCompleted, "the 10 s wait completed at 9 s");

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(early.IsCompleted, "the 10 s wait did not complete at 10 s");
        Assert.False(late.IsCompleted, "the 30 s wait completed at 10 s");

        time.Advance(TimeSpan.FromSeconds(20));
        Assert.True(late.IsCompleted, "the 30 s wait did not complete at 30 s");
        Assert.False(early.IsCancelled || late.IsCancelled, "a wait that fell due reads as cancelled");
    }

    [Fact]
    public async Task Await_ResumesOnTheSchedulerItAwaitedOn_WhenDueAndWhenCancelled()
    {
        var time = new FakeTimeProvider();
        using var clock = new PaceClock(time);
        var scheduler = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
        var due = clock.Start(TimeSpan.FromSeconds(5));
        var cancelled = clock.Start(TimeSpan.FromHours(1));

        var resumedDue = Task.Factory.StartNew(async () => { await due; return TaskScheduler.Current; }, CancellationToken.None, TaskCreationOptions.None, scheduler).Unwrap();
        var resumedCancelled = Task.Factory.StartNew(async () => { await cancelled; return TaskScheduler.Current; }, CancellationToken.None, TaskCreationOptions.None, scheduler).Unwrap();
        Assert.False(resumedDue.IsCompleted, "an await resumed before its wait was due");
        time.Advance(TimeSpan.FromSeconds(5));
        clock.Cancel(cancelled);

        Assert.Same(scheduler, await resumedDue.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Same(scheduler, await resumedCancelled.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task AwaitAsValueTask_ResumesOnTheSchedulerItAwaitedOn_WhenDueWhenCancelledAndWhenAlreadyOver()
    {
        var time = new FakeTimeProvider();
        using var clock = new PaceClock(time);
        var scheduler = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
        var due = clock.Start(TimeSpan.FromSeconds(5));
        var cancelled = clock.Start(TimeSpan.FromHours(1));
        var over = clock.Start(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));

        Task<TaskScheduler> Resumed(PaceWait wait) =>
            Task.Factory.StartNew(async () => { await wait.AsValueTask(); return TaskScheduler.Current; }, CancellationToken.None, TaskCreationOptions.None, scheduler).Unwrap();
        var resumedDue = Resumed(due);
        var resumedCancelled = Resumed(cancelled);
        Assert.Same(scheduler, await Resumed(over).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(resumedDue.IsCompleted, "an await resumed before its wait was due");
        time.Advance(TimeSpan.FromSeconds(4));
        clock.Cancel(cancelled);

        Assert.Same(scheduler, await resumedDue.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Same(scheduler, await resumedCancelled.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(cancelled.IsCancelled && !due.IsCancelled, "the cancelled wait reads as cancelled, the due one does not");
    }

    [Fact]
    public void Cancel_EndsTheWaitAtOnce_AsCancelled_AndLeavesTheOthersWaiting()
    {
        var time = new FakeTimeProvider();
        using var clock = new PaceClock(time);
        var cancelled = clock.Start(TimeSpan.FromHours(1));
        var other = clock.Start(TimeSpan.FromHours(1));

        clock.Cancel(cancelled);

        Assert.True(cancelled.IsCompleted && cancelled.IsCancelled, $"the cancelled wait: completed={cancelled.IsCompleted}, cancelled={cancelled.IsCancelled}; expected both");
        Assert.False(other.IsCompleted, "cancelling one wait ended another");
        time.Advance(TimeSpan.FromHours(1));
        Assert.True(other.IsCompleted, "the other wait did not complete when due");
        Assert.True(cancelled.IsCancelled, "a cancelled wait changed when it fell due");
    }

    [Fact]
    public void CancelledWaits_AreDropped_SoStartsAndStopsOverAndOverStillCompleteTheLiveOnes()
    {
        var time = new FakeTimeProvider();
        using var clock = new PaceClock(time);
        var live = clock.Start(TimeSpan.FromMinutes(5));
        for (var i = 0; i < 1_000; i++)
        {
            clock.Cancel(clock.Start(TimeSpan.FromHours(1)));
        }

        var afterChurn = clock.Start(TimeSpan.FromMinutes(1));
        time.Advance(TimeSpan.FromMinutes(5));

        Assert.True(live.IsCompleted, "the wait started before 1,000 cancelled ones did not complete when due");
        Assert.True(afterChurn.IsCompleted, "the wait started after 1,000 cancelled ones did not complete when due");
    }

    [Fact]
    public async Task PacedSequenceSource_FetchesWithoutItsDelay_AndSaysHowLongToWait()
    {
        var source = (IPacedSource)new Sources.Sequence.SequenceSourceFactory(TimeProvider.System)
            .Create(new SourceContext("w", new Dictionary<string, string> { ["delayMs"] = "3600000", ["batch"] = "2" }.ToImmutableDictionary()));

        var fetch = source.FetchPacedAsync(4, CancellationToken.None);

        Assert.Equal(TimeSpan.FromHours(1), source.Pace);
        Assert.True(fetch.IsCompletedSuccessfully, "a paced fetch waited (its pace is the run's to wait out)");
        Assert.Equal([5L, 6L], (await fetch).Events.Select(e => e.Seq));
        await source.DisposeAsync();
    }
}
