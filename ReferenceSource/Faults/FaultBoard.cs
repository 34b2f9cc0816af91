using Microsoft.Extensions.Logging;

namespace Overseer.ReferenceSource.Faults;

/// <summary>
/// The faults in force. Each expires by itself after its duration; setting the same mode for the same feed again
/// replaces it (a new duration from now). Every change (set, clear, expiry) cancels <see cref="Changed"/>, which is
/// how open WebSockets learn that they must drop, stall or resume.
/// </summary>
/// <remarks>
/// Readers on the hot path (every events request, every stream iteration) only read an immutable snapshot array,
/// empty unless a fault was set, so the board costs nothing when unused.
/// </remarks>
internal sealed partial class FaultBoard(TimeProvider time, ILogger<FaultBoard> logger) : IDisposable
{
    private const string AllFeeds = "*";

    private readonly Lock gate = new();
    private readonly Dictionary<(FaultMode Mode, string? Feed), Entry> entries = [];
    private volatile ActiveFault[] snapshot = [];
    private volatile CancellationTokenSource changed = new();

    /// <summary>Cancelled at the next change. Read it before inspecting the faults, so no change can be missed.</summary>
    public CancellationToken Changed => changed.Token;

    /// <summary>The faults in force, soonest to expire first.</summary>
    public IReadOnlyList<ActiveFault> Active => snapshot;

    public bool IsActive(FaultMode mode, string feed)
    {
        foreach (var fault in snapshot)
        {
            if (fault.Affects(mode, feed))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Puts <paramref name="mode"/> in force for <paramref name="duration"/>, for one feed or (null) all.</summary>
    /// <returns>The faults in force afterwards.</returns>
    public IReadOnlyList<ActiveFault> Set(FaultMode mode, TimeSpan duration, string? feed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        var fault = new ActiveFault(mode, feed, time.GetUtcNow().UtcDateTime + duration);
        var entry = new Entry(fault);
        CancellationTokenSource previous;
        IReadOnlyList<ActiveFault> active;
        lock (gate)
        {
            if (entries.Remove((mode, feed), out var replaced))
            {
                replaced.Timer?.Dispose();
            }

            entries[(mode, feed)] = entry;
            entry.Timer = time.CreateTimer(
                static state => ((ExpiryState)state!).Expire(), new ExpiryState(this, entry), duration, Timeout.InfiniteTimeSpan);
            previous = Publish();
            active = snapshot;
        }

        previous.Cancel();
        Log.FaultSet(logger, FaultModes.Name(mode), feed ?? AllFeeds, (int)duration.TotalSeconds, fault.Until);
        return active;
    }

    /// <summary>Ends every fault now.</summary>
    public void Clear()
    {
        List<ActiveFault> cleared;
        CancellationTokenSource previous;
        lock (gate)
        {
            cleared = [.. entries.Values.Select(e => e.Fault)];
            foreach (var entry in entries.Values)
            {
                entry.Timer?.Dispose();
            }

            entries.Clear();
            previous = Publish();
        }

        previous.Cancel();
        foreach (var fault in cleared)
        {
            Log.FaultCleared(logger, FaultModes.Name(fault.Mode), fault.Feed ?? AllFeeds);
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            foreach (var entry in entries.Values)
            {
                entry.Timer?.Dispose();
            }

            entries.Clear();
        }
    }

    private void Expire(Entry entry)
    {
        CancellationTokenSource previous;
        lock (gate)
        {
            // A replaced or cleared fault's timer may still fire once; only the current entry expires.
            var key = (entry.Fault.Mode, entry.Fault.Feed);
            if (!entries.TryGetValue(key, out var current) || current != entry)
            {
                return;
            }

            entries.Remove(key);
            entry.Timer?.Dispose();
            previous = Publish();
        }

        previous.Cancel();
        Log.FaultExpired(logger, FaultModes.Name(entry.Fault.Mode), entry.Fault.Feed ?? AllFeeds);
    }

    // Called under the gate: a new snapshot and a new token. The caller cancels the returned old token once it has
    // left the gate (cancellation runs the waiters' continuations inline). The old source is not disposed: a reader
    // may be about to read its Token, and a source without timers holds nothing.
    private CancellationTokenSource Publish()
    {
        snapshot = [.. entries.Values.Select(e => e.Fault).OrderBy(f => f.Until)];
        var previous = changed;
        changed = new CancellationTokenSource();
        return previous;
    }

    private sealed class Entry(ActiveFault fault)
    {
        public ActiveFault Fault { get; } = fault;

        public ITimer? Timer { get; set; }
    }

    private sealed record ExpiryState(FaultBoard Board, Entry Entry)
    {
        public void Expire() => Board.Expire(Entry);
    }
}
