using Overseer.Pool;

namespace Overseer.Tests.Unit;

public sealed class FairGateTests
{
    [Fact]
    public async Task Permits_AreServedFirstComeFirstServed_AndNeverExceeded()
    {
        var gate = new FairGate(2);
        await gate.WaitAsync(CancellationToken.None);
        await gate.WaitAsync(CancellationToken.None);
        var order = new List<int>();
        var waiters = Enumerable.Range(0, 5).Select(async i =>
        {
            await gate.WaitAsync(CancellationToken.None);
            lock (order)
            {
                order.Add(i);
            }
        }).ToList();

        Assert.Equal(2, gate.InUse);
        Assert.Equal(5, gate.Waiting);
        for (var released = 0; released < 5; released++)
        {
            gate.Release();
            await waiters[released];
        }

        Assert.Equal([0, 1, 2, 3, 4], order);
        Assert.Equal(2, gate.InUse);
        Assert.Equal(0, gate.Waiting);
    }

    [Fact]
    public async Task CancelledWaiter_LeavesTheQueue_AndTheNextOneGetsThePermit()
    {
        var gate = new FairGate(1);
        await gate.WaitAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = gate.WaitAsync(cancel.Token);
        var next = gate.WaitAsync(CancellationToken.None);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(1, gate.Waiting);
        gate.Release();
        await next;

        Assert.Equal(1, gate.InUse);
        Assert.Equal(0, gate.Waiting);
    }

    [Fact]
    public async Task FirstLaneWaiters_AreServedBeforeEveryCommonWaiter_FirstComeFirstServedAmongThemselves()
    {
        var gate = new FairGate(1);
        await gate.WaitAsync(CancellationToken.None);
        var order = new List<string>();
        Task Wait(string name, bool first) => gate.WaitAsync(first, CancellationToken.None).ContinueWith(
            _ =>
            {
                lock (order)
                {
                    order.Add(name);
                }
            },
            TaskScheduler.Default);

        // Queued in this order: two batches, a first commit, a batch, another first commit.
        var waiters = new[] { Wait("batch-1", false), Wait("batch-2", false), Wait("first-1", true), Wait("batch-3", false), Wait("first-2", true) };
        Assert.Equal(5, gate.Waiting);
        for (var released = 0; released < 5; released++)
        {
            // Exactly one of the waiters still waiting takes the released permit; its continuation records it before the
            // next release. Taken before the release: a continuation that ran at once would otherwise leave none to await.
            var waiting = waiters.Where(w => !w.IsCompleted).ToArray();
            gate.Release();
            await Task.WhenAny(waiting).WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(["first-1", "first-2", "batch-1", "batch-2", "batch-3"], order);
        await Task.WhenAll(waiters);
    }

    [Fact]
    public async Task CancelledFirstLaneWaiter_LeavesItsLane_AndTheCommonLaneIsServed()
    {
        var gate = new FairGate(1);
        await gate.WaitAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var batch = gate.WaitAsync(first: false, CancellationToken.None);
        var cancelled = gate.WaitAsync(first: true, cancel.Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(1, gate.Waiting);
        gate.Release();
        await batch;

        Assert.Equal(1, gate.InUse);
        Assert.Equal(0, gate.Waiting);
    }

    [Fact]
    public void Release_MoreOftenThanAcquired_Throws()
    {
        var gate = new FairGate(1);

        Assert.Throws<InvalidOperationException>(gate.Release);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Permits_BelowOne_AreRefused(int permits) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new FairGate(permits));
}
