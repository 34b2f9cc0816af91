using Overseer.Hosting;
using Overseer.Models;
using Overseer.Registry;
using Overseer.Supervision;

namespace Overseer.Tests.Unit;

/// <summary>A silo's heartbeat vouches for the running rows of its set without visiting them: they are heard when the
/// silo is, the stall scan reads only rows no recently heard silo vouches for, and a row that disagrees with the set is
/// poked once, when it joins the set or its row changes.</summary>
public sealed class RegistrySliceVouchingTests
{
    private const string SiloA = "10.0.0.1:11111";
    private const string SiloB = "10.0.0.2:11111";
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(8);

    private static WorkerReport Running(string id, string silo = SiloA, long version = 1, WorkerStatus status = WorkerStatus.Running) =>
        new(new WorkerInfo { Id = id, Status = status, Source = "sequence", Silo = silo, Version = version }, WantsRun: true);

    private static SiloHeartbeat Whole(long sequence, params string[] running) => new(SiloA, Incarnation: 1, sequence, Whole: true, [.. running], [], []);

    private static SiloHeartbeat Change(long sequence, string[]? added = null, string[]? removed = null, string silo = SiloA) =>
        new(silo, Incarnation: 1, sequence, Whole: false, [.. added ?? []], [.. removed ?? []], []);

    private static RegistrySlice SliceOf(params string[] ids)
    {
        var slice = new RegistrySlice();
        foreach (var id in ids)
        {
            slice.Apply(Running(id), Now);
            slice.Seen(id, Now);
        }

        return slice;
    }

    /// <summary>The rows silent for a stall timeout at <paramref name="now"/>, as the scan finds them.</summary>
    private static string[] Quiet(RegistrySlice slice, DateTimeOffset now) =>
        [.. slice.QuietSince(now - Stall).Where(q => now - (q.HeardAt ?? now) >= Stall).Select(q => q.Entry.Info.Id).Order(StringComparer.Ordinal)];

    [Fact]
    public void RunningRowsInTheSet_AreHeardWhenTheSiloIs_AndNotReadByTheScanWhileItIsHeard()
    {
        var slice = SliceOf("a", "b", "c");

        slice.TakeHeartbeat(Whole(1, "a", "b"), Now.AddSeconds(2));
        slice.TakeHeartbeat(Change(2), Now.AddSeconds(10));

        Assert.Equal(Now.AddSeconds(10), slice.LastSeen("a"));
        Assert.Equal(Now.AddSeconds(10), slice.LastSeen("b"));
        Assert.Equal(Now, slice.LastSeen("c"));
        // c is running but in no set: its own word is all there is, and it is 12 s old.
        Assert.Equal(["c"], Quiet(slice, Now.AddSeconds(12)));
        // The silo went quiet: its set is read again, each row heard when the silo was.
        Assert.Equal(["a", "b", "c"], Quiet(slice, Now.AddSeconds(18)));
    }

    [Fact]
    public void ARowThatLeavesTheSetStillRunning_IsHeardOfByItsOwnWordFromTheSilosLastHeartbeat()
    {
        var slice = SliceOf("a", "b");
        slice.TakeHeartbeat(Whole(1, "a", "b"), Now.AddSeconds(5));

        slice.TakeHeartbeat(Change(2, removed: ["a"]), Now.AddSeconds(6));
        slice.TakeHeartbeat(Change(3), Now.AddSeconds(20));

        // a left at the heartbeat of 6 s, when it had last been heard with the silo (5 s).
        Assert.Equal(Now.AddSeconds(5), slice.LastSeen("a"));
        Assert.Equal(["a"], Quiet(slice, Now.AddSeconds(20)));
        Assert.Equal(Now.AddSeconds(20), slice.LastSeen("b"));
    }

    [Fact]
    public void RowsThatDisagreeWithTheSet_ArePokedWhenTheyJoinIt_AndOnceAfterTheirRowChanges()
    {
        var slice = SliceOf("ok", "pending", "elsewhere");
        slice.Apply(Running("pending", version: 2, status: WorkerStatus.Pending), Now);
        slice.Apply(Running("elsewhere", silo: SiloB, version: 2), Now);

        var (_, first) = slice.TakeHeartbeat(Whole(1, "ok", "pending", "elsewhere"), Now.AddSeconds(1));
        var (_, second) = slice.TakeHeartbeat(Change(2), Now.AddSeconds(2));
        // The row of "ok" changes under the set (a run that ended, or a report lost in between).
        slice.Apply(Running("ok", version: 3, status: WorkerStatus.Backoff), Now.AddSeconds(3));
        var (_, third) = slice.TakeHeartbeat(Change(3), Now.AddSeconds(4));
        var (_, fourth) = slice.TakeHeartbeat(Change(4), Now.AddSeconds(6));

        Assert.Equal(["elsewhere", "pending"], first.Order(StringComparer.Ordinal));
        Assert.Empty(second);
        Assert.Equal(["ok"], third);
        Assert.Empty(fourth);
    }

    [Fact]
    public void ASiloGone_LeavesItsRunningRowsToTheirOwnWord()
    {
        var slice = SliceOf("a");
        slice.TakeHeartbeat(Whole(1, "a"), Now.AddSeconds(3));

        slice.SiloGone(SiloA);

        Assert.Equal(Now.AddSeconds(3), slice.LastSeen("a"));
        Assert.Equal(["a"], Quiet(slice, Now.AddSeconds(11)));
        Assert.Empty(Quiet(slice, Now.AddSeconds(10)));
    }

    [Fact]
    public void ALostSet_LeavesItsRowsToTheirOwnWord_UntilTheWholeSetComesAgain()
    {
        var slice = SliceOf("a");
        slice.TakeHeartbeat(Whole(1, "a"), Now.AddSeconds(3));

        var (gap, _) = slice.TakeHeartbeat(Change(3), Now.AddSeconds(4));
        var lostQuiet = Quiet(slice, Now.AddSeconds(11));
        slice.TakeHeartbeat(Whole(4, "a"), Now.AddSeconds(12));

        Assert.Equal(HeartbeatAnswer.WholeSetWanted, gap);
        Assert.Equal(["a"], lostQuiet);
        Assert.Empty(Quiet(slice, Now.AddSeconds(13)));
    }

    [Fact]
    public void StallScan_ARunningWorkerOfAHeardSilo_IsNeverPoked_OnceTheSiloFallsSilentItIs()
    {
        var options = new SupervisionOptions { StallTimeout = Stall, StallScanInterval = TimeSpan.FromSeconds(1) };
        var slice = SliceOf("w");
        var scheduler = new SupervisionScheduler(options);
        slice.TakeHeartbeat(Whole(1, "w"), Now.AddSeconds(2));

        var pokedWhileHeard = 0;
        for (var s = 4; s <= 30; s += 2)
        {
            slice.TakeHeartbeat(Change(s / 2), Now.AddSeconds(s));
            pokedWhileHeard += scheduler.ScanForStalls(slice, Now.AddSeconds(s + 1));
        }

        var early = scheduler.ScanForStalls(slice, Now.AddSeconds(37.9));
        var late = scheduler.ScanForStalls(slice, Now.AddSeconds(38));

        Assert.Equal(0, pokedWhileHeard);
        Assert.Equal(0, early);
        Assert.Equal(1, late);
    }
}
