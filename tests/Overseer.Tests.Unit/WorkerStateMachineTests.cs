using Overseer.Models;
using Overseer.Supervision;
using Overseer.Workers;

namespace Overseer.Tests.Unit;

/// <summary>The worker's transitions as a table, without a cluster: OTP's restart semantics, stop wins, the checkpoint
/// never goes back.</summary>
public sealed class WorkerStateMachineTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly RestartLimits Limits = new(3, TimeSpan.FromSeconds(5), TimeSpan.Zero, TimeSpan.Zero);
    private static readonly WorkerSpec Spec = WorkerSpec.For("sequence");

    private static WorkerState State(WorkerStatus status, bool wantsRun = true, RestartPolicy policy = RestartPolicy.Transient, long checkpoint = 10) => new()
    {
        Spec = Spec with { Restart = policy },
        Status = status,
        WantsRun = wantsRun,
        Checkpoint = checkpoint,
    };

    [Theory]
    [InlineData(WorkerStatus.Pending, true, true)]
    [InlineData(WorkerStatus.Running, true, true)]
    [InlineData(WorkerStatus.Backoff, true, true)]
    [InlineData(WorkerStatus.Running, false, false)]
    [InlineData(WorkerStatus.Completed, true, false)]
    [InlineData(WorkerStatus.Failed, true, false)]
    [InlineData(WorkerStatus.Stopped, true, false)]
    [InlineData(WorkerStatus.Halted, true, false)]
    public void ShouldRun_StatusAndDesiredState_OneLiveRule(WorkerStatus status, bool wantsRun, bool expected)
    {
        Assert.Equal(expected, WorkerStateMachine.ShouldRun(State(status, wantsRun)));
    }

    [Fact]
    public void IsDue_Backoff_OnlyOnceItsTimeHasCome()
    {
        var s = State(WorkerStatus.Backoff);
        s.NextRestartAt = Now.AddSeconds(1);

        Assert.False(WorkerStateMachine.IsDue(s, Now));
        Assert.True(WorkerStateMachine.IsDue(s, Now.AddSeconds(1)));
    }

    [Theory]
    [InlineData(true, WorkerStatus.Running)]
    [InlineData(false, WorkerStatus.Pending)]
    public void Start_FreshBudget_RunningWithASlotElsePending(bool slot, WorkerStatus expected)
    {
        var s = State(WorkerStatus.Failed, wantsRun: false);
        s.RestartHistory = [Now.AddSeconds(-1)];
        s.NextRestartAt = Now;

        WorkerStateMachine.Start(s, spec: null, checkpoint: 7, slot, Now);

        Assert.Equal(expected, s.Status);
        Assert.True(s.WantsRun);
        Assert.Null(s.RestartHistory);
        Assert.Null(s.NextRestartAt);
        Assert.Equal(10, s.Checkpoint);
    }

    [Fact]
    public void Start_NewWorker_SetsSpecAndCreation()
    {
        var s = new WorkerState();

        WorkerStateMachine.Start(s, Spec, checkpoint: 0, slotHeld: true, Now);

        Assert.Same(Spec, s.Spec);
        Assert.Equal(Now, s.CreatedAt);
        Assert.Equal(WorkerStatus.Running, s.Status);
    }

    // The OTP table: policy × exit → next status, and whether it counts as a restart.
    [Theory]
    [InlineData(RestartPolicy.Transient, nameof(ExitKind.Crash), WorkerStatus.Backoff, 1)]
    [InlineData(RestartPolicy.Transient, nameof(ExitKind.Completed), WorkerStatus.Completed, 0)]
    [InlineData(RestartPolicy.Permanent, nameof(ExitKind.Crash), WorkerStatus.Backoff, 1)]
    [InlineData(RestartPolicy.Permanent, nameof(ExitKind.Completed), WorkerStatus.Backoff, 1)]
    [InlineData(RestartPolicy.Temporary, nameof(ExitKind.Crash), WorkerStatus.Failed, 0)]
    [InlineData(RestartPolicy.Temporary, nameof(ExitKind.Completed), WorkerStatus.Completed, 0)]
    public void Exit_PolicyAndExit_FollowsOtp(RestartPolicy policy, string exit, WorkerStatus expected, int restarts)
    {
        var s = State(WorkerStatus.Running, policy: policy);

        var decision = WorkerStateMachine.Exit(s, Enum.Parse<ExitKind>(exit), "boom", checkpoint: 20, Limits, Now, 0.5);

        Assert.NotNull(decision);
        Assert.Equal(expected, s.Status);
        Assert.Equal(restarts, s.Restarts);
        Assert.Equal(restarts, s.RestartHistory?.Count ?? 0);
        Assert.Equal(20, s.Checkpoint);
        Assert.Equal(expected == WorkerStatus.Backoff ? Now : null, s.NextRestartAt);
    }

    [Fact]
    public void Exit_BackoffZero_RestartsAtOnce()
    {
        var s = State(WorkerStatus.Running);

        var decision = WorkerStateMachine.Exit(s, ExitKind.Crash, "boom", 11, Limits, Now, 0.9);

        Assert.Equal(TimeSpan.Zero, decision!.Delay);
        Assert.True(WorkerStateMachine.IsDue(s, Now));
    }

    [Fact]
    public void Exit_IntensityExceeded_FailsWithBothReasons()
    {
        var s = State(WorkerStatus.Running);
        s.RestartHistory = [Now.AddSeconds(-3), Now.AddSeconds(-2), Now.AddSeconds(-1)];

        WorkerStateMachine.Exit(s, ExitKind.Crash, "boom", 12, Limits, Now, 0.5);

        Assert.Equal(WorkerStatus.Failed, s.Status);
        Assert.False(WorkerStateMachine.ShouldRun(s));
        Assert.StartsWith("boom (restart intensity exceeded", s.LastError);
    }

    [Fact]
    public void Exit_OldRestartsLeaveTheWindow_AndDoNotCount()
    {
        var s = State(WorkerStatus.Running);
        s.RestartHistory = [Now.AddSeconds(-30), Now.AddSeconds(-20), Now.AddSeconds(-10)];

        WorkerStateMachine.Exit(s, ExitKind.Crash, "boom", 12, Limits, Now, 0.5);

        Assert.Equal(WorkerStatus.Backoff, s.Status);
        Assert.Equal([Now], s.RestartHistory);
    }

    [Fact]
    public void Exit_AfterAStop_ChangesNothing()
    {
        var s = State(WorkerStatus.Running);
        WorkerStateMachine.Stop(s, 15);

        var decision = WorkerStateMachine.Exit(s, ExitKind.Crash, "boom", 16, Limits, Now, 0.5);

        Assert.Null(decision);
        Assert.Equal(WorkerStatus.Stopped, s.Status);
        Assert.Equal(0, s.Restarts);
        Assert.Equal(15, s.Checkpoint);
    }

    [Theory]
    [InlineData(WorkerStatus.Running, WorkerStatus.Stopped)]
    [InlineData(WorkerStatus.Pending, WorkerStatus.Stopped)]
    [InlineData(WorkerStatus.Backoff, WorkerStatus.Stopped)]
    [InlineData(WorkerStatus.Completed, WorkerStatus.Completed)]
    [InlineData(WorkerStatus.Failed, WorkerStatus.Failed)]
    [InlineData(WorkerStatus.Halted, WorkerStatus.Halted)]
    public void Stop_AnyStatus_NeverWantsToRunAgain(WorkerStatus from, WorkerStatus expected)
    {
        var s = State(from);
        s.NextRestartAt = Now;

        WorkerStateMachine.Stop(s, checkpoint: 5);

        Assert.Equal(expected, s.Status);
        Assert.False(s.WantsRun);
        Assert.Null(s.NextRestartAt);
        Assert.Equal(10, s.Checkpoint);
    }

    [Theory]
    [InlineData(WorkerStatus.Running, true)]
    [InlineData(WorkerStatus.Backoff, true)]
    [InlineData(WorkerStatus.Pending, false)]
    [InlineData(WorkerStatus.Stopped, false)]
    public void Queue_OnlyALiveWorkerNotYetPending_BecomesPending(WorkerStatus from, bool changed)
    {
        var s = State(from);

        Assert.Equal(changed, WorkerStateMachine.Queue(s));
        Assert.Equal(from.IsLive() ? WorkerStatus.Pending : from, s.Status);
    }

    [Fact]
    public void RunStarted_FromBackoff_IsRunningWithNoRestartTime()
    {
        var s = State(WorkerStatus.Backoff);
        s.NextRestartAt = Now;

        Assert.True(WorkerStateMachine.RunStarted(s));
        Assert.False(WorkerStateMachine.RunStarted(s));
        Assert.Equal(WorkerStatus.Running, s.Status);
        Assert.Null(s.NextRestartAt);
    }

    [Fact]
    public void Halt_OfARunningWorker_IsHalted_WithNoRestartCounted_AndNoLongerShouldRun_UntilAStart()
    {
        var s = State(WorkerStatus.Running);
        var halt = new WorkerHalt(HaltReason.PoisonEvent, 12, "p", "System.FormatException", "bad", 1, Now);

        Assert.True(WorkerStateMachine.Halt(s, halt, checkpoint: 11));
        Assert.Equal((WorkerStatus.Halted, 0, 11L, "bad"), (s.Status, s.Restarts, s.Checkpoint, s.LastError));
        Assert.Same(halt, s.Halt);
        Assert.False(WorkerStateMachine.ShouldRun(s));
        Assert.True(WorkerStateMachine.WantsToRun(s));

        WorkerStateMachine.Start(s, spec: null, checkpoint: 12, slotHeld: true, Now);
        Assert.Equal(WorkerStatus.Running, s.Status);
        Assert.Null(s.Halt);
    }

    [Fact]
    public void Halt_AfterAStop_ChangesNothing_StopWins()
    {
        var s = State(WorkerStatus.Running);
        WorkerStateMachine.Stop(s, checkpoint: 10);

        Assert.False(WorkerStateMachine.Halt(s, new WorkerHalt(HaltReason.PoisonEvent, 12, "p", "T", "bad", 1, Now), checkpoint: 11));
        Assert.Equal(WorkerStatus.Stopped, s.Status);
        Assert.Null(s.Halt);
        Assert.False(WorkerStateMachine.WantsToRun(s));
    }

    [Fact]
    public void Advance_NeverGoesBackwards()
    {
        var s = State(WorkerStatus.Running, checkpoint: 10);

        WorkerStateMachine.Advance(s, 5);
        Assert.Equal(10, s.Checkpoint);
        WorkerStateMachine.Advance(s, 12);
        Assert.Equal(12, s.Checkpoint);
    }

    [Fact]
    public void ReportVersion_NewerGenerationOutranksAnyCounterOfAnOlderOne()
    {
        Assert.True(ReportVersion.Of(8, 1) > ReportVersion.Of(7, 5_000_000));
        Assert.True(ReportVersion.Of(7, 2) > ReportVersion.Of(7, 1));
        Assert.Equal(ReportVersion.Of(7, long.MaxValue), ReportVersion.Of(7, (1L << 24) - 1));
    }
}
