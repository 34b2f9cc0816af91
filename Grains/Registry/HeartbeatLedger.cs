using Overseer.Models;

namespace Overseer.Registry;

/// <summary>A partition's record of each silo's running workers, as its heartbeats (<see cref="SiloHeartbeat"/>) left it:
/// the whole set once, then each change in sequence.</summary>
/// <remarks>The decisions of the delta protocol, in one place: a silo this ledger does not know (the partition was
/// reactivated, or the silo is new) or a newer incarnation of one must send its whole set; a change is taken only if it is
/// the next in sequence, and a gap loses the set until the whole set comes again; a message older than the last one taken,
/// or from an older incarnation, is stale and changes nothing. Only a message taken returns the set, which the caller
/// marks heard exactly as it marked the ids of a whole-set heartbeat: so a silo that stops heartbeating (or whose set is
/// lost) stops its workers being heard, as before.
/// <para>Ids are kept through <c>canonical</c> (the registry row's own string where there is one), so that the set holds
/// no copy of an id. Not thread-safe; the partition grain calls it from its own scheduler only.</para></remarks>
internal sealed class HeartbeatLedger
{
    private static readonly IReadOnlySet<string> None = new HashSet<string>();

    private readonly Dictionary<string, SiloSet> _silos = new(StringComparer.Ordinal);

    /// <summary>Silos whose set is held.</summary>
    public int Silos => _silos.Values.Count(s => s.Running is not null);

    /// <summary>Takes <paramref name="heartbeat"/>: the answer, and when taken the silo's running workers now (to be marked
    /// heard), else null.</summary>
    public (HeartbeatAnswer Answer, IReadOnlySet<string>? Running) Take(SiloHeartbeat heartbeat, Func<string, string> canonical)
    {
        _silos.TryGetValue(heartbeat.Silo, out var known);
        if (known is not null && heartbeat.Incarnation < known.Incarnation)
        {
            // A message from before the silo restarted on this address.
            return (HeartbeatAnswer.Stale, null);
        }

        if (known is null || heartbeat.Incarnation > known.Incarnation)
        {
            if (!heartbeat.Whole)
            {
                // A change to a set this partition never heard (reactivated, a new silo, or a restarted one): the silo
                // starts again with the whole set. Until then an older incarnation's set is not heard either.
                _silos[heartbeat.Silo] = known = new SiloSet(heartbeat.Incarnation);
                return (HeartbeatAnswer.WholeSetWanted, null);
            }

            _silos[heartbeat.Silo] = known = new SiloSet(heartbeat.Incarnation);
        }

        if (heartbeat.Sequence <= known.Sequence)
        {
            return (HeartbeatAnswer.Stale, null);
        }

        if (heartbeat.Whole)
        {
            var running = new HashSet<string>(heartbeat.Added.Length, StringComparer.Ordinal);
            foreach (var id in heartbeat.Added)
            {
                running.Add(canonical(id));
            }

            known.Running = running;
            known.Sequence = heartbeat.Sequence;
            return (HeartbeatAnswer.Taken, running);
        }

        if (known.Running is null || heartbeat.Sequence != known.Sequence + 1)
        {
            // A message was lost (or this one overtook it): the set is unknown until the whole set comes, and the lost
            // one, should it still arrive, is stale.
            known.Running = null;
            known.Sequence = heartbeat.Sequence;
            return (HeartbeatAnswer.WholeSetWanted, null);
        }

        foreach (var id in heartbeat.Removed)
        {
            known.Running.Remove(id);
        }

        foreach (var id in heartbeat.Added)
        {
            known.Running.Add(canonical(id));
        }

        known.Sequence = heartbeat.Sequence;
        return (HeartbeatAnswer.Taken, known.Running);
    }

    /// <summary>The silo's running workers as last taken (empty if none is held).</summary>
    public IReadOnlySet<string> RunningOn(string silo) => _silos.GetValueOrDefault(silo)?.Running ?? None;

    /// <summary>The silo left the cluster: its set goes, and whatever it still sends is answered as from an unknown silo.</summary>
    public void Forget(string silo) => _silos.Remove(silo);

    private sealed class SiloSet(long incarnation)
    {
        public long Incarnation { get; } = incarnation;

        /// <summary>The newest message heard (taken, or found after a gap); 0: none yet.</summary>
        public long Sequence { get; set; }

        /// <summary>Null when the set was lost (a gap) or never heard whole.</summary>
        public HashSet<string>? Running { get; set; }
    }
}
