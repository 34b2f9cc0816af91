using System.Globalization;
using Overseer.Pool;

namespace Overseer.Sources.Sequence;

/// <summary>Emits 1, 2, 3, … with a deterministic payload derived from (worker id, seq). For demos and tests.</summary>
/// <remarks>With a fetch cap, a fetch (its <c>delayMs</c>, which stands for the source's latency, included) holds a silo
/// fetch permit; without one the delay is the run's pace (<see cref="IPacedSource"/>).</remarks>
internal sealed class SequenceSource(string workerId, SequenceSourceSettings settings, TimeProvider time, FetchThrottle? throttle = null) : IPacedSource
{
    private long _delivered;

    /// <summary>Fetches are capped: each holds a permit, over its delay too.</summary>
    private bool Capped => throttle is not null && throttle.Limits(host: null);

    /// <summary>Without a cap there is no permit to hold over the delay: the run waits it out on the silo's
    /// <see cref="PaceClock"/> and then calls <see cref="FetchPacedAsync"/>.</summary>
    public TimeSpan Pace => Capped ? TimeSpan.Zero : TimeSpan.FromMilliseconds(settings.DelayMs);

    public Task<SourceBatch> FetchAsync(long after, CancellationToken cancellationToken) =>
        Capped
            ? FetchThrottledAsync(throttle!, after, cancellationToken)
            : FetchDelayedAsync(after, cancellationToken);

    public Task<SourceBatch> FetchPacedAsync(long after, CancellationToken cancellationToken)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(Fetch(after));
        }
        catch (Exception ex)
        {
            return Task.FromException<SourceBatch>(ex);
        }
    }

    private async Task<SourceBatch> FetchThrottledAsync(FetchThrottle gate, long after, CancellationToken cancellationToken)
    {
        using var permit = await gate.EnterAsync(host: null, cancellationToken);
        return await FetchDelayedAsync(after, cancellationToken);
    }

    private async Task<SourceBatch> FetchDelayedAsync(long after, CancellationToken cancellationToken)
    {
        if (settings.DelayMs > 0)
        {
            // The rest needs no scheduler of the caller's (a source knows nothing of grains).
            await Task.Delay(TimeSpan.FromMilliseconds(settings.DelayMs), time, cancellationToken).ConfigureAwait(false);
        }

        return Fetch(after);
    }

    private SourceBatch Fetch(long after)
    {
        var available = settings.Limit is { } limit ? limit - after : long.MaxValue;
        if (available <= 0)
        {
            return SourceBatch.Done;
        }

        var count = Math.Min(settings.Batch, available);
        if (settings.FailAfter is { } failAfter)
        {
            var allowed = failAfter - _delivered;
            if (allowed <= 0)
            {
                throw new SequenceSourceFailureException(workerId, failAfter, after);
            }

            count = Math.Min(count, allowed);
        }

        var events = new SourceEvent[count];
        for (var i = 0; i < count; i++)
        {
            var seq = after + 1 + i;
            events[i] = new SourceEvent(seq, Payload(workerId, seq));
        }

        _delivered += count;
        // The batch that reaches the limit says so: the run completes after committing it, without one more fetch.
        return new SourceBatch(events, Exhausted: count == available);
    }

    /// <summary>The payload of event <paramref name="seq"/> for <paramref name="workerId"/>; tests recompute it.</summary>
    public static string Payload(string workerId, long seq)
    {
        // FNV-1a 64 over "id#seq": cheap, stable across processes and versions; hashed in place, one string per event.
        const ulong prime = 1099511628211UL;
        Span<char> digits = stackalloc char[20];
        seq.TryFormat(digits, out var length, provider: CultureInfo.InvariantCulture);
        var hash = 14695981039346656037UL;
        foreach (var c in workerId)
        {
            hash = (hash ^ c) * prime;
        }

        hash = (hash ^ '#') * prime;
        foreach (var c in digits[..length])
        {
            hash = (hash ^ c) * prime;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{workerId}#{digits[..length]}#{hash:x16}");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
