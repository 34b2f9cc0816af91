namespace Overseer.Sources.Failover;

/// <summary>When to leave push for poll and when to go back: a pure state machine (time is passed in).</summary>
/// <remarks>Push is preferred. Any push failure or stall switches to poll at once; while polling, push is probed
/// after <c>probeInterval</c>, backing off (doubling) up to <c>maxProbeInterval</c> while probes keep failing; a
/// successful probe switches back. Both directions resume from the worker's checkpoint, so neither skips nor repeats.</remarks>
internal sealed class FailoverPolicy(TimeSpan probeInterval, TimeSpan maxProbeInterval)
{
    private TimeSpan _probeDelay;
    private DateTimeOffset _nextProbe;

    public FeedHandler Active { get; private set; } = FeedHandler.Push;

    public int Failovers { get; private set; }

    public int SwitchBacks { get; private set; }

    public void PushFailed(DateTimeOffset now)
    {
        if (Active == FeedHandler.Push)
        {
            Active = FeedHandler.Poll;
            Failovers++;
        }

        _probeDelay = probeInterval;
        _nextProbe = now + _probeDelay;
    }

    public bool ShouldProbe(DateTimeOffset now) => Active == FeedHandler.Poll && now >= _nextProbe;

    public void ProbeFailed(DateTimeOffset now)
    {
        _probeDelay = TimeSpan.FromTicks(Math.Min(_probeDelay.Ticks * 2, maxProbeInterval.Ticks));
        _nextProbe = now + _probeDelay;
    }

    public void ProbeSucceeded()
    {
        if (Active == FeedHandler.Poll)
        {
            Active = FeedHandler.Push;
            SwitchBacks++;
        }
    }
}
