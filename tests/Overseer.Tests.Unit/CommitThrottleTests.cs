using Microsoft.Extensions.Options;
using Overseer.Hosting;
using Overseer.Pool;

namespace Overseer.Tests.Unit;

public sealed class CommitThrottleTests
{
    [Fact]
    public async Task Capped_TheNextCommitWaits_UntilAPermitIsGivenBack_InArrivalOrder()
    {
        var throttle = new CommitThrottle(Options.Create(new PoolOptions { MaxConcurrentCommitsPerSilo = 2 }));
        var first = await throttle.EnterAsync(first: false, CancellationToken.None);
        var second = await throttle.EnterAsync(first: false, CancellationToken.None);
        var third = throttle.EnterAsync(first: false, CancellationToken.None).AsTask();
        var fourth = throttle.EnterAsync(first: false, CancellationToken.None).AsTask();

        Assert.Equal((2, 2), (throttle.InFlight, throttle.Waiting));
        Assert.False(third.IsCompleted);

        first.Dispose();
        (await third.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        Assert.False(fourth.IsCompleted);
        second.Dispose();
        (await fourth.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        Assert.Equal((0, 0), (throttle.InFlight, throttle.Waiting));
    }

    [Fact]
    public async Task ARunsFirstCommit_GoesBeforeTheBatchesAlreadyWaiting()
    {
        var throttle = new CommitThrottle(Options.Create(new PoolOptions { MaxConcurrentCommitsPerSilo = 1 }));
        var held = await throttle.EnterAsync(first: false, CancellationToken.None);
        var nextBatch = throttle.EnterAsync(first: false, CancellationToken.None).AsTask();
        var resumed = throttle.EnterAsync(first: true, CancellationToken.None).AsTask();

        held.Dispose();
        var permit = await resumed.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(nextBatch.IsCompleted, "the batch that waited first took the permit the run's first commit should have had");
        permit.Dispose();
        (await nextBatch.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        Assert.Equal((0, 0), (throttle.InFlight, throttle.Waiting));
    }

    [Fact]
    public async Task AWaitCancelled_TakesNoPermit()
    {
        var throttle = new CommitThrottle(Options.Create(new PoolOptions { MaxConcurrentCommitsPerSilo = 1 }));
        var held = await throttle.EnterAsync(first: false, CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var waiting = throttle.EnterAsync(first: false, cts.Token).AsTask();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        held.Dispose();
        Assert.Equal((0, 0), (throttle.InFlight, throttle.Waiting));
    }

    [Fact]
    public async Task Uncapped_NeverWaits()
    {
        var throttle = new CommitThrottle(Options.Create(new PoolOptions { MaxConcurrentCommitsPerSilo = 0 }));
        var permits = new List<CommitThrottle.Permit>();
        for (var i = 0; i < 1000; i++)
        {
            permits.Add(await throttle.EnterAsync(first: false, CancellationToken.None));
        }

        Assert.Equal(0, throttle.Waiting);
        permits.ForEach(p => p.Dispose());
    }
}
