using Overseer.ReferenceSource.Wire;

namespace Overseer.ReferenceSource.Feeds;

/// <summary>
/// One named feed: an append-only, deterministic, unbounded sequence whose head advances with time from the feed's
/// first use (or from the server's <c>--epoch</c>). <c>head = floor(elapsed · rate)</c>; event <c>seq</c> has <c>ts = firstUse + seq / rate</c> and
/// <see cref="FeedPayload.For"/> as payload.
/// </summary>
/// <remarks>
/// Elapsed time comes from the monotonic clock, so the head never moves backwards when the wall clock is adjusted;
/// only <see cref="FirstUse"/> (and thus <c>ts</c>) is wall-clock time. Integer arithmetic keeps the two consistent:
/// every event at or below the head has <c>ts</c> at or before the moment the head was read.
/// </remarks>
internal sealed class Feed
{
    /// <summary>The highest sequence number a caller may ask about (about 300 years at the highest rate).</summary>
    public const long MaxSeq = 1_000_000_000_000_000;

    private readonly TimeProvider time;
    private readonly long startTimestamp;

    /// <param name="origin">When seq 0 happened; null = now (the feed's first use).</param>
    public Feed(string name, int rate, TimeProvider time, DateTimeOffset? origin = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        Name = name;
        Rate = rate;
        this.time = time;
        var now = time.GetUtcNow();
        var age = origin is { } o && o < now ? now - o : TimeSpan.Zero;
        FirstUse = (now - age).UtcDateTime;
        startTimestamp = time.GetTimestamp() - (long)(age.TotalSeconds * time.TimestampFrequency);
    }

    public string Name { get; }

    /// <summary>Events per second.</summary>
    public int Rate { get; }

    /// <summary>When the feed was first used (UTC): the time of seq 0.</summary>
    public DateTime FirstUse { get; }

    /// <summary>The latest sequence number produced so far (0 before the first).</summary>
    public long Head => (long)((Int128)Elapsed.Ticks * Rate / TimeSpan.TicksPerSecond);

    private TimeSpan Elapsed => time.GetElapsedTime(startTimestamp);

    /// <summary>The time of event <paramref name="seq"/>.</summary>
    public DateTime TimestampOf(long seq) => FirstUse.AddTicks((long)((Int128)seq * TimeSpan.TicksPerSecond / Rate));

    /// <summary>How long until <paramref name="seq"/> is produced (zero if it already is), capped at <paramref name="cap"/>.</summary>
    public TimeSpan TimeUntil(long seq, TimeSpan cap)
    {
        // Produced once elapsed·rate ≥ seq, i.e. at ceil(seq / rate) ticks.
        var dueTicks = (((Int128)seq * TimeSpan.TicksPerSecond) + Rate - 1) / Rate;
        var remaining = dueTicks - Elapsed.Ticks;
        return remaining <= 0 ? TimeSpan.Zero : remaining >= cap.Ticks ? cap : TimeSpan.FromTicks((long)remaining);
    }

    /// <summary>Events <c>after+1 .. after+count</c>; the caller keeps them at or below a head it has read.</summary>
    public FeedEvent[] Read(long after, int count)
    {
        var events = new FeedEvent[count];
        for (var i = 0; i < count; i++)
        {
            var seq = after + 1 + i;
            events[i] = new FeedEvent(seq, TimestampOf(seq), FeedPayload.For(Name, seq));
        }

        return events;
    }
}
