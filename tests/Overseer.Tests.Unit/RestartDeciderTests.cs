using Overseer.Models;
using Overseer.Supervision;

namespace Overseer.Tests.Unit;

public sealed class RestartDeciderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly RestartLimits Limits = new(3, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));

    [Theory]
    [InlineData(RestartPolicy.Transient, nameof(ExitKind.Crash), WorkerStatus.Backoff)]
    [InlineData(RestartPolicy.Transient, nameof(ExitKind.Completed), WorkerStatus.Completed)]
    [InlineData(RestartPolicy.Permanent, nameof(ExitKind.Crash), WorkerStatus.Backoff)]
    [InlineData(RestartPolicy.Permanent, nameof(ExitKind.Completed), WorkerStatus.Backoff)]
    [InlineData(RestartPolicy.Temporary, nameof(ExitKind.Crash), WorkerStatus.Failed)]
    [InlineData(RestartPolicy.Temporary, nameof(ExitKind.Completed), WorkerStatus.Completed)]
    public void Decide_PolicyAndExit_FollowsOtpRestartValues(RestartPolicy policy, string exit, WorkerStatus expected)
    {
        var decision = RestartDecider.Decide(Enum.Parse<ExitKind>(exit), policy, [], Limits, Now, 0.5);

        Assert.Equal(expected, decision.Status);
    }

    [Fact]
    public void Decide_MaxRestartsWithinWindow_FailsOnTheNextCrash()
    {
        DateTimeOffset[] history = [Now.AddSeconds(-4), Now.AddSeconds(-2), Now.AddSeconds(-1)];

        var decision = RestartDecider.Decide(ExitKind.Crash, RestartPolicy.Transient, history, Limits, Now, 0.5);

        Assert.Equal(WorkerStatus.Failed, decision.Status);
        Assert.Contains("restart intensity exceeded: 3 restarts within 5 s", decision.Reason);
    }

    [Fact]
    public void Decide_RestartsOlderThanWindow_DoNotCount()
    {
        DateTimeOffset[] history = [Now.AddSeconds(-30), Now.AddSeconds(-6), Now.AddSeconds(-5), Now.AddSeconds(-1)];

        var decision = RestartDecider.Decide(ExitKind.Crash, RestartPolicy.Transient, history, Limits, Now, 0.5);

        Assert.Equal(WorkerStatus.Backoff, decision.Status);
    }

    [Fact]
    public void Decide_ZeroMaxRestarts_FailsOnFirstCrash()
    {
        var decision = RestartDecider.Decide(ExitKind.Crash, RestartPolicy.Permanent, [], Limits with { MaxRestarts = 0 }, Now, 0.5);

        Assert.Equal(WorkerStatus.Failed, decision.Status);
    }

    [Theory]
    [InlineData(0, 0.0, 50)]
    [InlineData(0, 1.0, 100)]
    [InlineData(1, 0.0, 100)]
    [InlineData(3, 1.0, 800)]
    [InlineData(10, 0.0, 2500)]
    [InlineData(10, 1.0, 5000)]
    public void Backoff_GrowsExponentiallyWithEqualJitter_CappedAtMax(int recent, double jitter, double expectedMs)
    {
        var delay = RestartDecider.Backoff(recent, Limits, jitter);

        Assert.Equal(expectedMs, delay.TotalMilliseconds, precision: 6);
    }
}
