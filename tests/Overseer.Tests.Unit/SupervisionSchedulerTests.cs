using Overseer.Hosting;
using Overseer.Models;
using Overseer.Registry;
using Overseer.Supervision;

namespace Overseer.Tests.Unit;

public sealed class SupervisionSchedulerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static readonly SupervisionOptions Options = new()
    {
        StallTimeout = TimeSpan.FromSeconds(8),
        StallScanInterval = TimeSpan.FromSeconds(1),
        QueuedStallFactor = 10,
        RestoreConcurrency = 2,
    };

    private static RegistrySlice Slice(params (string Id, WorkerStatus Status, long Version, DateTimeOffset? NextRestartAt)[] rows)
    {
        var slice = new RegistrySlice();
        foreach (var row in rows)
        {
            slice.Apply(new WorkerReport(new WorkerInfo { Id = row.Id, Status = row.Status, Source = "sequence", Version = row.Version, NextRestartAt = row.NextRestartAt }, WantsRun: true), Now);
            slice.Seen(row.Id, Now);
        }

        return slice;
    }

    private static List<string> Drain(SupervisionScheduler scheduler)
    {
        var all = new List<string>();
        while (scheduler.TakePokes() is { Count: > 0 } pokes)
        {
            all.AddRange(pokes);
            foreach (var _ in pokes)
            {
                scheduler.PokeDone();
            }
        }

        return all;
    }

    [Fact]
    public void Tick_DuePokes_ComeOutInTimeOrderOnlyOnceDue()
    {
        var slice = Slice(("late", WorkerStatus.Backoff, 1, null), ("early", WorkerStatus.Backoff, 1, null), ("mid", WorkerStatus.Backoff, 1, null));
        var scheduler = new SupervisionScheduler(Options);
        scheduler.Start(Now);
        scheduler.PokeAt("late", Now.AddMilliseconds(300));
        scheduler.PokeAt("early", Now.AddMilliseconds(100));
        scheduler.PokeAt("mid", Now.AddMilliseconds(200));

        scheduler.Tick(slice, Now.AddMilliseconds(50));
        var none = Drain(scheduler);
        scheduler.Tick(slice, Now.AddMilliseconds(250));
        var two = Drain(scheduler);
        scheduler.Tick(slice, Now.AddMilliseconds(300));
        var last = Drain(scheduler);

        Assert.Empty(none);
        Assert.Equal(["early", "mid"], two);
        Assert.Equal(["late"], last);
    }

    [Fact]
    public void Tick_DueRowThatNoLongerShouldRun_IsNotPoked()
    {
        var slice = Slice(("w", WorkerStatus.Backoff, 1, null));
        slice.Apply(new WorkerReport(new WorkerInfo { Id = "w", Status = WorkerStatus.Stopped, Source = "sequence", Version = 2 }, WantsRun: false), Now);
        var scheduler = new SupervisionScheduler(Options);
        scheduler.PokeAt("w", Now);

        scheduler.Tick(slice, Now);

        Assert.Empty(Drain(scheduler));
    }

    [Fact]
    public void TakePokes_KeepsAtMostRestoreConcurrencyInFlight()
    {
        var scheduler = new SupervisionScheduler(Options);
        foreach (var id in new[] { "a", "b", "c", "a", "d" })
        {
            scheduler.Poke(id);
        }

        var first = scheduler.TakePokes();
        var whileFull = scheduler.TakePokes();
        scheduler.PokeDone();
        var afterOne = scheduler.TakePokes();

        Assert.Equal(["a", "b"], first);
        Assert.Empty(whileFull);
        Assert.Equal(["c"], afterOne);
        Assert.Equal(2, scheduler.InFlight);
        Assert.Equal(1, scheduler.Queued);
    }

    [Fact]
    public void Bring_BackoffWithFutureRestart_WaitsForIt_OthersAtOnce()
    {
        var at = Now.AddSeconds(3);
        var slice = Slice(("backoff", WorkerStatus.Backoff, 1, at), ("overdue", WorkerStatus.Backoff, 1, Now.AddSeconds(-1)), ("running", WorkerStatus.Running, 1, null));
        var scheduler = new SupervisionScheduler(Options);

        foreach (var entry in slice.Rows)
        {
            scheduler.Bring(entry, Now);
        }

        var now = Drain(scheduler);
        scheduler.Tick(slice, at);
        var later = Drain(scheduler);

        Assert.Equal(["overdue", "running"], now.Order(StringComparer.Ordinal));
        Assert.Equal(["backoff"], later);
    }

    [Fact]
    public void ScanForStalls_SilentPastTheStallTimeout_IsPokedOnceAndItsSilenceRestarts()
    {
        var slice = Slice(("quiet", WorkerStatus.Running, 3, null), ("chatty", WorkerStatus.Running, 3, null));
        slice.Seen("chatty", Now.AddSeconds(5));
        var scheduler = new SupervisionScheduler(Options);

        var stalled = scheduler.ScanForStalls(slice, Now.AddSeconds(8));
        var again = scheduler.ScanForStalls(slice, Now.AddSeconds(9));

        Assert.Equal(1, stalled);
        Assert.Equal(0, again);
        Assert.Equal(["quiet"], Drain(scheduler));
        Assert.Equal(Now.AddSeconds(8), slice.LastSeen("quiet"));
    }

    [Fact]
    public void ScanForStalls_Backoff_IsSilentFromItsRestartTime()
    {
        var slice = Slice(("w", WorkerStatus.Backoff, 3, Now.AddSeconds(5)));
        var scheduler = new SupervisionScheduler(Options);

        var beforeRestartPlusStall = scheduler.ScanForStalls(slice, Now.AddSeconds(12.9));
        var after = scheduler.ScanForStalls(slice, Now.AddSeconds(13));

        Assert.Equal(0, beforeRestartPlusStall);
        Assert.Equal(1, after);
    }

    [Fact]
    public void ScanForStalls_QueuedPending_WaitsQueuedStallFactorTimeouts_NewRegistrationOnlyOne()
    {
        var slice = Slice(("queued", WorkerStatus.Pending, 5, null), ("registered", WorkerStatus.Pending, 0, null));
        var scheduler = new SupervisionScheduler(Options);

        var atOneTimeout = scheduler.ScanForStalls(slice, Now.AddSeconds(8));
        var pokedFirst = Drain(scheduler);
        var atTenTimeouts = scheduler.ScanForStalls(slice, Now.AddSeconds(80));
        var pokedThen = Drain(scheduler);

        Assert.Equal(1, atOneTimeout);
        Assert.Equal(["registered"], pokedFirst);
        Assert.Equal(2, atTenTimeouts);
        Assert.Equal(["queued", "registered"], pokedThen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ScanForStalls_RowThatShouldNotRun_IsNeverPoked()
    {
        var slice = Slice(("done", WorkerStatus.Completed, 3, null), ("stopped", WorkerStatus.Stopped, 3, null));
        var scheduler = new SupervisionScheduler(Options);

        Assert.Equal(0, scheduler.ScanForStalls(slice, Now.AddHours(1)));
    }

    [Fact]
    public void Tick_RunsTheStallScanOncePerStallScanInterval()
    {
        var slice = Slice(("w", WorkerStatus.Running, 3, null));
        var scheduler = new SupervisionScheduler(Options);
        scheduler.Start(Now.AddSeconds(7.5));

        scheduler.Tick(slice, Now.AddSeconds(8));
        var beforeInterval = Drain(scheduler);
        scheduler.Tick(slice, Now.AddSeconds(8.5));
        var atInterval = Drain(scheduler);

        Assert.Empty(beforeInterval);
        Assert.Equal(["w"], atInterval);
    }
}
