namespace Overseer.Sources.Feeds;

/// <summary>Turns a feed's failures into waiting until the outage has lasted <c>maxOutageMs</c>: a short outage
/// (refused connections, 5xx, an open circuit breaker) costs backoff, not a crash and a restart.</summary>
/// <remarks>Backoff doubles from 100 ms up to 5 s; any success resets it. Past the limit the failure is rethrown,
/// naming how long the feed has been unusable, and the worker's supervisor takes over.</remarks>
internal sealed class OutageGuard(string what, TimeSpan maxOutage, TimeProvider time)
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private DateTimeOffset? _downSince;
    private TimeSpan _backoff = FirstBackoff;

    /// <summary>Whether the feed is currently considered down (a failure since the last success).</summary>
    public bool IsDown => _downSince is not null;

    public void Succeeded()
    {
        _downSince = null;
        _backoff = FirstBackoff;
    }

    /// <summary>Waits the next backoff after <paramref name="failure"/>, or throws once the outage exceeds the limit.</summary>
    public async Task BackOffAsync(Exception failure, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        _downSince ??= now;
        var down = now - _downSince.Value;
        if (down >= maxOutage)
        {
            throw new FeedUnavailableException($"{what} unusable for {down.TotalSeconds:0} s (maxOutageMs {maxOutage.TotalMilliseconds:0}): {failure.Message}", failure);
        }

        await Task.Delay(_backoff, time, cancellationToken).ConfigureAwait(false);
        _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, MaxBackoff.Ticks));
    }
}
