namespace Overseer.Hosting.Dashboard;

/// <summary>Events per second cluster-wide for the worker view: each page load samples the registry's checkpoint
/// total, and the rate is the change over the samples of the last <see cref="Window"/>.</summary>
/// <remarks>Sampled on demand, so an idle page costs nothing. A total that goes down (workers removed, a registry
/// reloaded from an older flush) cannot be a rate: the window restarts from that sample.</remarks>
internal sealed class CheckpointRate(TimeProvider time)
{
    /// <summary>How far back the average reaches (registry checkpoints move with heartbeats, every 2 s by default).</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    private readonly Queue<(long At, long Total)> _samples = new();
    private readonly Lock _lock = new();

    /// <summary>Adds a sample and returns the rate over the window, or null until two samples span some time.</summary>
    public double? Add(long total)
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            if (_samples.Count > 0 && total < _samples.Last().Total)
            {
                _samples.Clear();
            }

            _samples.Enqueue((now, total));
            while (_samples.Count > 2 && time.GetElapsedTime(_samples.Peek().At, now) > Window)
            {
                _samples.Dequeue();
            }

            var (firstAt, firstTotal) = _samples.Peek();
            var span = time.GetElapsedTime(firstAt, now);
            return span > TimeSpan.Zero && _samples.Count > 1 ? (total - firstTotal) / span.TotalSeconds : null;
        }
    }
}
