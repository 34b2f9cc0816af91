using Overseer.ReferenceSource.Wire;

namespace Overseer.ReferenceSource.Diagnostics;

/// <summary>Server-side counters for load tests, kept with <see cref="Interlocked"/> only (no locks, no allocation).</summary>
internal sealed class SourceStats
{
    private long httpRequests;
    private long inFlightHttp;
    private long maxInFlightHttp;
    private long openSockets;

    public void RequestStarted()
    {
        Interlocked.Increment(ref httpRequests);
        var inFlight = Interlocked.Increment(ref inFlightHttp);
        var max = Volatile.Read(ref maxInFlightHttp);
        while (inFlight > max)
        {
            var seen = Interlocked.CompareExchange(ref maxInFlightHttp, inFlight, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    public void RequestEnded() => Interlocked.Decrement(ref inFlightHttp);

    public void SocketOpened() => Interlocked.Increment(ref openSockets);

    public void SocketClosed() => Interlocked.Decrement(ref openSockets);

    /// <summary>Starts a new measurement of the maximum: it becomes the current number in flight.</summary>
    public void ResetMax() => Interlocked.Exchange(ref maxInFlightHttp, Volatile.Read(ref inFlightHttp));

    public StatsView Snapshot() => new(
        Volatile.Read(ref httpRequests),
        Volatile.Read(ref inFlightHttp),
        Volatile.Read(ref maxInFlightHttp),
        Volatile.Read(ref openSockets));
}
