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
        Assert.False(early.Task.IsCompleted, "the 10 s wait completed at 9 s");

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(early.Task.IsCompletedSuccessfully, "the 10 s wait did not complete at 10 s");
        Assert.False(late.Task.IsCompleted, "the 30 s wait completed at 10 s");

        time.Advance(TimeSpan.FromSeconds(20));
        Assert.True(late.Task.IsCompletedSuccessfully, "the 30 s wait did not complete at 30 s");
    }

    [Fact]
    public void Cancel_EndsTheWaitAtOnce_AsCancelled_AndLeavesTheOthersWaiting()
    {
        var time = new FakeTimeProvider();
        using var clock = new PaceClock(time);
        var cancelled = clock.Start(TimeSpan.FromHours(1));
        var other = clock.Start(TimeSpan.FromHours(1));

        clock.Cancel(cancelled);

        Assert.True(cancelled.Task.IsCanceled, $"the cancelled wait is {cancelled.Task.Status}, expected Canceled");
        Assert.False(other.Task.IsCompleted, "cancelling one wait ended another");
        time.Advance(TimeSpan.FromHours(1));
        Assert.True(other.Task.IsCompletedSuccessfully, "the other wait did not complete when due");
        Assert.True(cancelled.Task.IsCanceled, "a cancelled wait changed when it fell due");
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

        Assert.True(live.Task.IsCompletedSuccessfully, "the wait started before 1,000 cancelled ones did not complete when due");
        Assert.True(afterChurn.Task.IsCompletedSuccessfully, "the wait started after 1,000 cancelled ones did not complete when due");
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
