using System.Collections.Immutable;
using Overseer.Models;

namespace Overseer.Workers;

/// <summary>A silo's side of the heartbeat delta protocol with one partition (<see cref="SiloHeartbeat"/>): which
/// workers joined or left since the last message, its sequence, and whether the partition must hear the whole set next.</summary>
/// <remarks>The whole set goes first (the partition has never heard this silo's incarnation), then only changes, and the
/// whole set again whenever the partition asks for it (<see cref="HeartbeatAnswer.WholeSetWanted"/> — reactivated, or a gap
/// in the sequence) or the fate of a message is unknown (the call failed or was not answered in time). A change names
/// each id that joined or left as it is now (running or not), so a worker that left and came back within one interval is
/// named as joined, and every change is idempotent. A silo with no running worker of the partition sends nothing once the
/// partition has heard that its set is empty: there is nobody to hear.
/// Not thread-safe: <see cref="HeartbeatSweep"/> calls it under its lock.</remarks>
internal sealed class HeartbeatChannel
{
    private readonly HashSet<string> _touched = new(StringComparer.Ordinal);
    private long _sequence;
    private bool _wholeWanted = true;

    /// <summary>The sequence number of the last message drafted (0: none yet).</summary>
    public long Sequence => _sequence;

    /// <summary>The next message carries the whole set.</summary>
    public bool WholeWanted => _wholeWanted;

    /// <summary>A worker joined or left since the last message.</summary>
    public void Touch(string id) => _touched.Add(id);

    /// <summary>The set part of the next message, given the ids running now (<paramref name="running"/>, and
    /// <paramref name="isRunning"/> to ask about one); null when there is nothing to send.</summary>
    public Draft? Next(IReadOnlyCollection<string> running, Func<string, bool> isRunning)
    {
        if (_wholeWanted)
        {
            _wholeWanted = false;
            _touched.Clear();
            return new Draft(++_sequence, Whole: true, [.. running], []);
        }

        if (_touched.Count == 0)
        {
            // Nothing changed: a running set is heard again (its workers' liveness); an empty one needs no word.
            return running.Count == 0 ? null : new Draft(++_sequence, Whole: false, [], []);
        }

        var added = ImmutableArray.CreateBuilder<string>();
        var removed = ImmutableArray.CreateBuilder<string>();
        foreach (var id in _touched)
        {
            (isRunning(id) ? added : removed).Add(id);
        }

        _touched.Clear();
        return new Draft(++_sequence, Whole: false, added.ToImmutable(), removed.ToImmutable());
    }

    /// <summary>The partition answered the last message sent.</summary>
    public void Answered(HeartbeatAnswer answer)
    {
        // Stale, for this silo's newest message, means the partition holds something newer than this silo ever sent:
        // whatever it holds, the whole set settles it.
        if (answer != HeartbeatAnswer.Taken)
        {
            _wholeWanted = true;
        }
    }

    /// <summary>The last message's fate is unknown (the call failed or timed out): the whole set goes next.</summary>
    public void Failed() => _wholeWanted = true;

    /// <summary>One message's set part: <see cref="SiloHeartbeat.Whole"/>, <see cref="SiloHeartbeat.Added"/> and
    /// <see cref="SiloHeartbeat.Removed"/> under <see cref="SiloHeartbeat.Sequence"/>.</summary>
    internal sealed record Draft(long Sequence, bool Whole, ImmutableArray<string> Added, ImmutableArray<string> Removed);
}
