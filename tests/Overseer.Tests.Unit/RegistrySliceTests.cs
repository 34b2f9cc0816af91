using Overseer.Models;
using Overseer.Registry;

namespace Overseer.Tests.Unit;

public sealed class RegistrySliceTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static WorkerInfo Info(string id, WorkerStatus status = WorkerStatus.Running, long version = 1, long checkpoint = 0) =>
        new() { Id = id, Status = status, Source = "sequence", Checkpoint = checkpoint, Silo = "10.0.0.1:11111", Version = version };

    private static WorkerReport Report(WorkerInfo info, bool wantsRun = true) => new(info, wantsRun);

    [Fact]
    public void SeenRunning_RowThatAgrees_IsHeardFromAndNeedsNoPoke()
    {
        var slice = new RegistrySlice();
        slice.Apply(Report(Info("w")), Now);
        slice.TakeDirty();

        var disagrees = slice.SeenRunning("w", "10.0.0.1:11111", Now.AddSeconds(5));

        Assert.False(disagrees);
        Assert.Equal(Now.AddSeconds(5), slice.LastSeen("w"));
        Assert.False(slice.IsDirty("w"));
    }

    [Theory]
    [InlineData(WorkerStatus.Pending, "10.0.0.1:11111")]
    [InlineData(WorkerStatus.Backoff, "10.0.0.1:11111")]
    [InlineData(WorkerStatus.Running, "10.0.0.2:11111")]
    public void SeenRunning_RowThatSaysOtherwise_AsksForAPokeAndChangesNothingElse(WorkerStatus rowStatus, string heartbeatSilo)
    {
        var slice = new RegistrySlice();
        slice.Apply(Report(Info("w", rowStatus)), Now);
        slice.TakeDirty();

        var disagrees = slice.SeenRunning("w", heartbeatSilo, Now.AddSeconds(5));

        Assert.True(disagrees);
        Assert.Equal(Now.AddSeconds(5), slice.LastSeen("w"));
        Assert.Equal(rowStatus, slice.Find("w")!.Info.Status);
        Assert.False(slice.IsDirty("w"));
    }

    [Fact]
    public void SeenRunning_UnknownOrForgottenWorker_IsNeitherHeardFromNorPoked()
    {
        var slice = new RegistrySlice();
        slice.Apply(Report(Info("gone")), Now);
        slice.Forget("gone", Now);

        Assert.False(slice.SeenRunning("never", "10.0.0.1:11111", Now));
        Assert.False(slice.SeenRunning("gone", "10.0.0.1:11111", Now));
        Assert.Null(slice.LastSeen("never"));
        Assert.Null(slice.LastSeen("gone"));
    }

    [Fact]
    public void Apply_OlderVersionThanTheRow_IsDropped()
    {
        var slice = new RegistrySlice();
        slice.Apply(Report(Info("w", WorkerStatus.Completed, version: 7)), Now);

        var taken = slice.Apply(Report(Info("w", WorkerStatus.Running, version: 5)), Now);

        Assert.False(taken);
        Assert.Equal(WorkerStatus.Completed, slice.Find("w")!.Info.Status);
        Assert.Equal(7, slice.Find("w")!.Info.Version);
    }

    [Fact]
    public void Apply_NewerVersion_ReplacesTheRowAndMarksItDirty()
    {
        var slice = new RegistrySlice();
        slice.Apply(Report(Info("w", version: 1, checkpoint: 10)), Now);
        slice.TakeDirty();

        var taken = slice.Apply(Report(Info("w", version: 2, checkpoint: 20)), Now);

        Assert.True(taken);
        Assert.Equal(20, slice.Find("w")!.Info.Checkpoint);
        Assert.True(slice.IsDirty("w"));
    }

    [Fact]
    public void Apply_ReportThatDiffersOnlyInVersionAndUpdatedAt_TakesTheVersionButIsNotDirty()
    {
        var slice = new RegistrySlice();
        slice.Apply(Report(Info("w", version: 1, checkpoint: 10)), Now);
        Assert.Single(slice.TakeDirty());

        var taken = slice.Apply(Report(Info("w", version: 2, checkpoint: 10) with { UpdatedAt = Now.AddSeconds(2) }), Now);
        var stale = slice.Apply(Report(Info("w", version: 1, checkpoint: 99)), Now);

        Assert.True(taken);
        Assert.False(slice.IsDirty("w"));
        Assert.Empty(slice.TakeDirty());
        Assert.Equal(2, slice.Find("w")!.Info.Version);
        Assert.False(stale);
    }

    [Fact]
    public void Apply_SameSnapshotWithAnotherWish_IsDirty()
    {
        var slice = new RegistrySlice();
        slice.Apply(Report(Info("w", version: 1)), Now);
        slice.TakeDirty();

        slice.Apply(Report(Info("w", version: 2), wantsRun: false), Now);

        Assert.True(slice.IsDirty("w"));
    }

    [Theory]
    [InlineData(WorkerStatus.Stopped)]
    [InlineData(WorkerStatus.Completed)]
    [InlineData(WorkerStatus.Running)]
    public void Register_KnownWorker_LeavesItsRowAsTheWorkerLeftIt(WorkerStatus status)
    {
        // A same-spec start of a finished worker is a no-op: the registry must not turn its row Pending.
        var slice = new RegistrySlice();
        slice.Apply(Report(Info("w", status, version: 4), wantsRun: false), Now);
        slice.Saved(slice.Find("w")!);

        var entry = slice.Register("w", "sequence", Now);

        Assert.Null(entry);
        Assert.Equal(status, slice.Find("w")!.Info.Status);
        Assert.False(slice.IsDirty("w"));
    }

    [Fact]
    public void Record_WorkersStart_IsTakenAndHandedOutToWrite_UnlessANewerRowIsHeld()
    {
        var slice = new RegistrySlice();
        slice.Apply(Report(Info("w", WorkerStatus.Stopped, version: 4), wantsRun: false), Now);

        var resumed = slice.Record(Report(Info("w", WorkerStatus.Running, version: 9)), Now);
        var stale = slice.Record(Report(Info("w", WorkerStatus.Stopped, version: 5), wantsRun: false), Now);

        Assert.True(resumed.ShouldRun);
        Assert.Equal(9, stale.Info.Version);
        Assert.True(stale.ShouldRun);
        Assert.True(slice.IsDirty("w"));
    }

    [Fact]
    public void Register_NewId_IsPendingDirtyUntilSaved()
    {
        var slice = new RegistrySlice();

        var entry = slice.Register("w", "sequence", Now)!;
        var dirtyBeforeSave = slice.IsDirty("w");
        slice.Saved(entry);

        Assert.Equal(WorkerStatus.Pending, entry.Info.Status);
        Assert.Equal(Now, entry.RegisteredAt);
        Assert.True(dirtyBeforeSave);
        Assert.False(slice.IsDirty("w"));
    }

    [Fact]
    public void Saved_RowReplacedWhileWriting_StaysDirty()
    {
        var slice = new RegistrySlice();
        var entry = slice.Register("w", "sequence", Now)!;

        slice.Apply(Report(Info("w", WorkerStatus.Running, version: 3)), Now);
        slice.Saved(entry);

        Assert.True(slice.IsDirty("w"));
    }

    [Fact]
    public void SaveFailed_MakesTheBatchDirtyAgain()
    {
        var slice = new RegistrySlice();
        slice.Apply(Report(Info("a")), Now);
        slice.Apply(Report(Info("b")), Now);
        var batch = slice.TakeDirty();

        slice.SaveFailed(batch);

        Assert.Equal(["a", "b"], slice.TakeDirty().Select(e => e.Info.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Load_RowsFromRedis_AreNotDirtyAndSeenNow()
    {
        var slice = new RegistrySlice();

        slice.Load([new RegistryEntry(Info("w"), WantsRun: true, RegisteredAt: Now.AddDays(-1))], Now);

        Assert.Equal(0, slice.DirtyCount);
        Assert.Equal(Now, slice.LastSeen("w"));
    }

    [Theory]
    [InlineData(WorkerStatus.Running, true, true)]
    [InlineData(WorkerStatus.Backoff, false, true)]
    [InlineData(WorkerStatus.Stopped, true, false)]
    [InlineData(WorkerStatus.Completed, true, true)]
    [InlineData(WorkerStatus.Completed, false, false)]
    public void ApplyAnswer_WorkersOwnWord_DecidesTheWish(WorkerStatus answer, bool rowWantsRun, bool expected)
    {
        var slice = new RegistrySlice();
        slice.Apply(Report(Info("w", WorkerStatus.Running, version: 1), rowWantsRun), Now);

        slice.ApplyAnswer(Info("w", answer, version: 2), Now.AddSeconds(1));

        Assert.Equal(expected, slice.Find("w")!.WantsRun);
        Assert.Equal(Now.AddSeconds(1), slice.LastSeen("w"));
    }

    [Fact]
    public void RemoveIfNeverStarted_PendingPastTheGrace_RemovesOnlyThen()
    {
        var slice = new RegistrySlice();
        slice.Register("w", "sequence", Now);

        var early = slice.RemoveIfNeverStarted("w", Now.AddSeconds(30), TimeSpan.FromSeconds(30));
        var late = slice.RemoveIfNeverStarted("w", Now.AddSeconds(31), TimeSpan.FromSeconds(30));

        Assert.False(early);
        Assert.True(late);
        Assert.Null(slice.Find("w"));
        Assert.Equal(0, slice.Aggregate().ByStatus.Values.Sum());
    }

    [Fact]
    public void List_AfterId_PagesInOrdinalOrderWithoutGapsOrRepeats()
    {
        var slice = new RegistrySlice();
        string[] ids = ["b", "a", "B", "c", "aa", "d"];
        foreach (var id in ids)
        {
            slice.Apply(Report(Info(id)), Now);
        }

        var first = slice.List(new WorkerQuery(Limit: 4));
        var second = slice.List(new WorkerQuery(AfterId: first.NextAfterId, Limit: 4));
        var afterMissing = slice.List(new WorkerQuery(AfterId: "ab", Limit: 10));
        var afterLast = slice.List(new WorkerQuery(AfterId: "d"));

        Assert.Equal(["B", "a", "aa", "b"], first.Items.Select(i => i.Id));
        Assert.Equal("b", first.NextAfterId);
        Assert.Equal(["c", "d"], second.Items.Select(i => i.Id));
        Assert.Null(second.NextAfterId);
        Assert.Equal(["b", "c", "d"], afterMissing.Items.Select(i => i.Id));
        Assert.Empty(afterLast.Items);
    }

    [Fact]
    public void List_ByStatus_SkipsOtherStatuses()
    {
        var slice = new RegistrySlice();
        slice.Apply(Report(Info("a", WorkerStatus.Failed)), Now);
        slice.Apply(Report(Info("b", WorkerStatus.Running)), Now);
        slice.Apply(Report(Info("c", WorkerStatus.Failed)), Now);

        var page = slice.List(new WorkerQuery(Status: WorkerStatus.Failed, Limit: 1));

        Assert.Equal(["a"], page.Items.Select(i => i.Id));
        Assert.Equal("a", page.NextAfterId);
    }

    [Fact]
    public void Aggregate_OnePass_CountsSumsLagAndRunningPerSilo()
    {
        var slice = new RegistrySlice();
        slice.Apply(Report(Info("a", checkpoint: 10) with { Head = 15, Failovers = 1 }), Now);
        slice.Apply(Report(Info("b", checkpoint: 20) with { Head = 5, Silo = "10.0.0.2:11111" }), Now);
        slice.Apply(Report(Info("c", checkpoint: 30)), Now);
        slice.Apply(Report(Info("d", WorkerStatus.Completed, checkpoint: 40) with { Head = 100, Failovers = 2 }), Now);

        var totals = slice.Aggregate();

        Assert.Equal(3, totals.ByStatus[WorkerStatus.Running]);
        Assert.Equal(1, totals.ByStatus[WorkerStatus.Completed]);
        Assert.False(totals.ByStatus.ContainsKey(WorkerStatus.Failed));
        Assert.Equal(100, totals.Checkpoints);
        Assert.Equal(3, totals.Failovers);
        Assert.Equal(5, totals.Lag);
        Assert.Equal(2, totals.LagKnown);
        Assert.Equal(2, totals.RunningBySilo["10.0.0.1:11111"]);
        Assert.Equal(1, totals.RunningBySilo["10.0.0.2:11111"]);
    }

    [Fact]
    public void Aggregate_AfterAChange_IsRebuilt_AfterARestatement_IsReused()
    {
        var slice = new RegistrySlice();
        slice.Apply(Report(Info("a", version: 1, checkpoint: 1)), Now);
        var first = slice.Aggregate();

        slice.Apply(Report(Info("a", version: 2, checkpoint: 1)), Now);
        var restated = slice.Aggregate();
        slice.Apply(Report(Info("a", version: 3, checkpoint: 5)), Now);
        var changed = slice.Aggregate();

        Assert.Same(first, restated);
        Assert.Equal(5, changed.Checkpoints);
    }

    [Fact]
    public void Forget_RemovesTheRow_DropsLateReports_UntilTheIdIsRegisteredAgain()
    {
        var slice = new RegistrySlice();
        slice.Apply(Report(Info("w", version: 9, checkpoint: 10)), Now);

        slice.Forget("w", Now);
        var late = slice.Apply(Report(Info("w", WorkerStatus.Stopped, version: 10)), Now);
        Assert.False(late);
        Assert.Null(slice.Find("w"));
        Assert.Empty(slice.TakeDirty());

        Assert.NotNull(slice.Register("w", "sequence", Now));
        var fresh = slice.Apply(Report(Info("w", version: 1, checkpoint: 1)), Now);
        Assert.True(fresh);
        Assert.Equal(1, slice.Find("w")!.Info.Checkpoint);
    }

    [Fact]
    public void PruneForgotten_LetsTheIdGo_OnlyAfterTheKeepTime()
    {
        var slice = new RegistrySlice();
        slice.Forget("w", Now);

        slice.PruneForgotten(Now.AddMinutes(5), TimeSpan.FromMinutes(10));
        Assert.False(slice.Apply(Report(Info("w")), Now.AddMinutes(5)));
        slice.PruneForgotten(Now.AddMinutes(11), TimeSpan.FromMinutes(10));
        Assert.True(slice.Apply(Report(Info("w")), Now.AddMinutes(11)));
    }

    [Theory]
    [InlineData("b-", null, "b-1,b-2,b-3")]
    [InlineData("b-", "b-1", "b-2,b-3")]
    [InlineData("b-", "a-9", "b-1,b-2,b-3")]
    [InlineData("b-", "b-3", "")]
    [InlineData("c", null, "c-1")]
    [InlineData("d", null, "")]
    [InlineData("", "b-2", "b-3,c-1")]
    public void List_WithAPrefix_PagesOnlyTheIdsThatStartWithIt(string prefix, string? after, string expected)
    {
        var slice = new RegistrySlice();
        foreach (var id in new[] { "a-1", "b-1", "b-2", "b-3", "c-1", "b" })
        {
            slice.Apply(Report(Info(id)), Now);
        }

        var page = slice.List(new WorkerQuery(AfterId: after, Prefix: prefix.Length == 0 ? null : prefix));

        Assert.Equal(expected, string.Join(",", page.Items.Select(i => i.Id)));
    }
}
