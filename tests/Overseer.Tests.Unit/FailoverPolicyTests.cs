using Overseer.Sources.Failover;

namespace Overseer.Tests.Unit;

public sealed class FailoverPolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void NewPolicy_PrefersPush_AndDoesNotProbe()
    {
        var policy = new FailoverPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4));

        Assert.Equal(FeedHandler.Push, policy.Active);
        Assert.False(policy.ShouldProbe(T0.AddHours(1)));
    }

    [Fact]
    public void PushFailure_SwitchesToPollOnce_AndProbesAfterTheInterval()
    {
        var policy = new FailoverPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4));

        policy.PushFailed(T0);
        policy.PushFailed(T0.AddMilliseconds(10));

        Assert.Equal(FeedHandler.Poll, policy.Active);
        Assert.Equal(1, policy.Failovers);
        Assert.False(policy.ShouldProbe(T0.AddMilliseconds(900)));
        Assert.True(policy.ShouldProbe(T0.AddMilliseconds(1010)));
    }

    [Fact]
    public void FailedProbes_BackOffUpToTheMaximum()
    {
        var policy = new FailoverPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4));
        policy.PushFailed(T0);

        policy.ProbeFailed(T0.AddSeconds(1));   // next in 2 s
        var afterFirst = policy.ShouldProbe(T0.AddSeconds(2.9));
        policy.ProbeFailed(T0.AddSeconds(3));   // next in 4 s
        policy.ProbeFailed(T0.AddSeconds(7));   // capped: next in 4 s

        Assert.False(afterFirst);
        Assert.False(policy.ShouldProbe(T0.AddSeconds(10.9)));
        Assert.True(policy.ShouldProbe(T0.AddSeconds(11)));
    }

    [Fact]
    public void ProbeSuccess_SwitchesBack_AndTheNextFailureCountsAgain()
    {
        var policy = new FailoverPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4));
        policy.PushFailed(T0);

        policy.ProbeSucceeded();
        policy.PushFailed(T0.AddSeconds(5));

        Assert.Equal(1, policy.SwitchBacks);
        Assert.Equal(2, policy.Failovers);
        Assert.Equal(FeedHandler.Poll, policy.Active);
    }
}
