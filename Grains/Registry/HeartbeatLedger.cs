using Overseer.Models;

namespace Overseer.Registry;

/// <summary>A partition's record of each silo's running workers, as its heartbeats (<see cref="SiloHeartbeat"/>) left it:
/// the whole set once, then each change in sequence.</summary>
/// <remarks>The decisions of the delta protocol, in one place: a silo this ledger does not know (the partition was
/// reactivated, or the silo is new) or a newer incarnation of one must send its whole set; a change is taken only if it is
/// the next in sequence, and a gap loses the set until the whole set comes again; a message older than the last one taken,
/// or from an older incarnation, is stale and changes nothing. Only a message taken returns the set, whose workers the caller
/// then counts as heard with the silo (<see cref="RegistrySlice"/>): so a silo that stops heartbeating (or whose set is
/// lost) stops its workers being heard.
/// <para>Ids are kept through <c>canonical</c> (the registry row's own string where there is one), so that the set holds
/// no copy of an id. Not thread-safe; the partition grain calls it from its own scheduler only.</para>
/// <para>Each id that enters or leaves a silo's set, however it happens (a change, a whole set replacing another, a set
/// lost to a gap or to a newer incarnation, a silo forgotten), is told to the observer given at construction, once: so a
/// caller keeps what depends on the sets (which running rows no heartbeat vouches for) in step at the cost of the
/// changes, never of the sets' size.</para></remarks>
internal sealed class HeartbeatLedger(Action<string, string>? joined = null, Action<string, string>? left = null)
{
    private static readonly IReadOnlySet<string> None = new HashSet<string>();

    private readonly Dictionary<string, SiloSet> _silos = new(StringComparer.Ordinal);

    /// <summary>Silos whose set is held.</summary>
    public int Silos => HeldSilos.Count();

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
            var older = known?.Running;
            _silos[heartbeat.Silo] = known = new SiloSet(heartbeat.Incarnation);
            LeaveAll(heartbeat.Silo, older);
            if (!heartbeat.Whole)
            {
                // A change to a set this partition never heard (reactivated, a new silo, or a restarted one): the silo
                // starts again with the whole set. Until then an older incarnation's set is not heard either.
                return (HeartbeatAnswer.WholeSetWanted, null);
            }
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

            var before = known.Running;
            known.Running = running;
            if (before is not null)
            {
                foreach (var id in before)
                {
                    if (!running.Contains(id))
                    {
                        left?.Invoke(heartbeat.Silo, id);
                    }
                }
            }

            foreach (var id in running)
            {
                if (before is null || !before.Contains(id))
                {
                    joined?.Invoke(heartbeat.Silo, id);
                }
            }

            known.Sequence = heartbeat.Sequence;
            return (HeartbeatAnswer.Taken, running);
        }

        if (known.Running is null || heartbeat.Sequence != known.Sequence + 1)
        {
            // A message was lost (or this one overtook it): the set is unknown until the whole set comes, and the lost
            // one, should it still arrive, is stale.
            var lost = known.Running;
            known.Running = null;
            LeaveAll(heartbeat.Silo, lost);
            known.Sequence = heartbeat.Sequence;
            return (HeartbeatAnswer.WholeSetWanted, null);
        }

        foreach (var id in heartbeat.Removed)
        {
            if (known.Running.Remove(id))
            {
                left?.Invoke(heartbeat.Silo, id);
            }
        }

        foreach (var id in heartbeat.Added)
        {
            var kept = canonical(id);
            if (known.Running.Add(kept))
            {
                joined?.Invoke(heartbeat.Silo, kept);
            }
        }

        known.Sequence = heartbeat.Sequence;
        return (HeartbeatAnswer.Taken, known.Running);
    }

    /// <summary>The silo's running workers as last taken (empty if none is held).</summary>
    public IReadOnlySet<string> RunningOn(string silo) => _silos.GetValueOrDefault(silo)?.Running ?? None;

    /// <summary>Whether any silo's set holds <paramref name="id"/>.</summary>
    public bool AnyRuns(string id)
    {
        foreach (var set in _silos.Values)
        {
            if (set.Running?.Contains(id) == true)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Silos whose set is held.</summary>
    public IEnumerable<string> HeldSilos => _silos.Where(s => s.Value.Running is not null).Select(s => s.Key);

    /// <summary>The silo left the cluster: its set goes, and whatever it still sends is answered as from an unknown silo.</summary>
    public void Forget(string silo)
    {
        if (_silos.Remove(silo, out var gone))
        {
            LeaveAll(silo, gone.Running);
        }
    }

    private void LeaveAll(string silo, HashSet<string>? set)
    {
        if (set is null || left is null)
        {
            return;
        }

        foreach (var id in set)
        {
            left(silo, id);
        }
    }

    private sealed class SiloSet(long incarnation)
    {
        public long Incarnation { get; } = incarnation;

        /// <summary>The newest message heard (taken, or found after a gap); 0: none yet.</summary>
        public long Sequence { get; set; }

        /// <summary>Null when the set was lost (a gap) or never heard whole.</summary>
        public HashSet<string>? Running { get; set; }
    }
}
