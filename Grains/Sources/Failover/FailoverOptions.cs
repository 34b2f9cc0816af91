namespace Overseer.Sources.Failover;

/// <summary>How a failover source (<see cref="FailoverSources.Create"/>) decides and waits. Read a kind's own options
/// (e.g. <c>stallMs</c>) into it; values are checked when the source is created.</summary>
public sealed class FailoverOptions
{
    /// <summary>How logs name the push side, e.g. its URL. Required.</summary>
    public required string PushName { get; init; }

    /// <summary>How logs and the outage error name the pull side, e.g. its URL. Required.</summary>
    public required string PullName { get; init; }

    /// <summary>Silence on the push side (no event, no heartbeat) that counts as a failure, and the time a probe gets
    /// to answer; 100 ms to 1 h, default 2 s. The first probe comes after min(<see cref="Stall"/>, 1 s).</summary>
    public TimeSpan Stall { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The wait between polls when caught up; 10 ms to 10 min, default 500 ms.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long the pull side may keep failing (backing off 100 ms doubling to 5 s) before the run crashes and
    /// supervision takes over; 1 s to 1 day, default 60 s.</summary>
    public TimeSpan MaxOutage { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest wait between probes of the push side while they keep failing (the wait doubles up to it);
    /// 1 s to 1 h, default 4 s.</summary>
    public TimeSpan MaxProbeInterval { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>The first probe's delay after a failover.</summary>
    internal TimeSpan ProbeInterval => TimeSpan.FromTicks(Math.Min(Stall.Ticks, TimeSpan.FromSeconds(1).Ticks));

    /// <summary>Problems, each naming the option, its value and the valid range; empty when valid.</summary>
    internal IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        Name(nameof(PushName), PushName);
        Name(nameof(PullName), PullName);
        Range(nameof(Stall), Stall, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1), "100 ms to 1 h");
        Range(nameof(PollInterval), PollInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10), "10 ms to 10 min");
        Range(nameof(MaxOutage), MaxOutage, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1), "1 s to 1 day");
        Range(nameof(MaxProbeInterval), MaxProbeInterval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), "1 s to 1 h");
        return problems;

        void Name(string option, string? value)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                problems.Add($"{nameof(FailoverOptions)}.{option} is empty: expected what that side reads, e.g. its URL");
            }
        }

        void Range(string option, TimeSpan value, TimeSpan min, TimeSpan max, string valid)
        {
            if (value < min || value > max)
            {
                problems.Add($"{nameof(FailoverOptions)}.{option} = {value.TotalMilliseconds:0.###} ms is out of range: expected {valid}");
            }
        }
    }
}
