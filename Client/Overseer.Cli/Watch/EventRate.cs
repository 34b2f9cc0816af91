namespace Overseer.Cli.Watch;

/// <summary>Events per second cluster-wide, from successive samples of the sum of every worker's checkpoint,
/// averaged over a sliding window.</summary>
/// <remarks>The checkpoints come from the registry, which hears from each worker on status changes and heartbeats
/// (every 2 s by default), so a single refresh-to-refresh difference is jumpy; the window smooths that. A sum
/// that goes down (a worker removed, a registry reloaded from an older flush) cannot be a rate: the window
/// starts again from that sample.</remarks>
/// <param name="window">How far back the average reaches; the oldest sample older than this is dropped once a
/// newer one can take its place.</param>
internal sealed class EventRate(TimeSpan window)
{
    private readonly Queue<(TimeSpan At, long Total)> _samples = new();
    private (TimeSpan At, long Total)? _last;

    /// <summary>Adds a sample and returns the rate over the window, or null until two samples span some time.</summary>
    /// <param name="at">A monotonic time (e.g. elapsed since the watch started); samples come in order.</param>
    /// <param name="total">The sum of checkpoints at <paramref name="at"/>.</param>
    public double? Add(TimeSpan at, long total)
    {
        if (_last is { } last && (total < last.Total || at < last.At))
        {
            _samples.Clear();
        }

        _samples.Enqueue((at, total));
        _last = (at, total);
        while (_samples.Count > 2 && at - _samples.Peek().At > window)
        {
            _samples.Dequeue();
        }

        var (firstAt, firstTotal) = _samples.Peek();
        var span = at - firstAt;
        return span > TimeSpan.Zero ? (total - firstTotal) / span.TotalSeconds : null;
    }
}
