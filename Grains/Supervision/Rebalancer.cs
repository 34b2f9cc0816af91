using Orleans.Runtime;
using Overseer.Hosting;
using Overseer.Models;
using Overseer.Placement;
using Overseer.Registry;

namespace Overseer.Supervision;

/// <summary>Rebalancing after the membership changed, for one partition: whether the partition should go to its home
/// silo, and which of its running workers to move so that they spread evenly over the active silos, at most
/// <see cref="SupervisionOptions.RebalanceMaxMoves"/> per round. Pure: the grain passes the silos and the time in and
/// makes the moves.</summary>
/// <remarks>Every partition balances its own slice (ids are spread over partitions by hash), so the cluster ends
/// within a few workers of even without any coordination. Only surplus moves — from the most to the least loaded silo
/// while they differ by more than one — so a join moves about 1/S of the workers, not all of them. A move still in
/// flight counts at its target, so the next round does not move the same surplus twice; one that has not landed after
/// three rounds is forgotten.
/// <para>Silos are <see cref="SiloAddress"/>es (plain values) because <see cref="PartitionLayout.HomeOf"/>, the one
/// placement rule, orders them by address.</para></remarks>
internal sealed class Rebalancer(SupervisionOptions options)
{
    private readonly Dictionary<string, (string Target, DateTimeOffset At)> _moving = new(StringComparer.Ordinal);
    private DateTimeOffset _lastRound;
    private SiloAddress? _pendingHome;

    /// <summary>Moves started and not yet seen landed, failed or forgotten.</summary>
    public int InFlight => _moving.Count;

    /// <summary>Whether a round is due at <paramref name="now"/> (never with a zero interval); starts it if so.</summary>
    public bool StartRound(DateTimeOffset now)
    {
        var every = options.RebalanceInterval;
        if (every <= TimeSpan.Zero || now - _lastRound < every)
        {
            return false;
        }

        _lastRound = now;
        return true;
    }

    /// <summary>The home silo the partition should move to now, or null to stay. A new home is confirmed over two
    /// rounds, so that a partition does not chase a membership view still converging — at once if this silo is leaving.</summary>
    public SiloAddress? HomeToMoveTo(int partition, IReadOnlyCollection<SiloAddress> active, SiloAddress local)
    {
        var home = PartitionLayout.HomeOf(partition, active);
        if (home is null || home.Equals(local))
        {
            _pendingHome = null;
            return null;
        }

        if (home.Equals(_pendingHome) || !active.Contains(local))
        {
            return home;
        }

        _pendingHome = home;
        return null;
    }

    /// <summary>The moves of this round over <paramref name="rows"/>; they count as in flight from now on.</summary>
    public IReadOnlyList<WorkerMove> PlanMoves(IEnumerable<RegistryEntry> rows, IReadOnlyCollection<SiloAddress> active, DateTimeOffset now)
    {
        var expiry = 3 * options.RebalanceInterval;
        foreach (var (id, move) in _moving.ToList())
        {
            if (now - move.At > expiry)
            {
                _moving.Remove(id);
            }
        }

        if (active.Count < 2)
        {
            // Nowhere to move to: the slice's rows are not read (a move in flight that landed is forgotten by its expiry).
            return [];
        }

        var silos = active.ToDictionary(s => s.Endpoint.ToString(), StringComparer.Ordinal);
        var onSilo = silos.Keys.ToDictionary(s => s, _ => new List<string>(), StringComparer.Ordinal);
        var load = silos.Keys.ToDictionary(s => s, _ => 0, StringComparer.Ordinal);
        foreach (var entry in rows)
        {
            if (!entry.ShouldRun || entry.Status != WorkerStatus.Running || entry.Silo is not { } at || !silos.ContainsKey(at))
            {
                continue;
            }

            if (_moving.TryGetValue(entry.Id, out var move))
            {
                if (move.Target == at)
                {
                    _moving.Remove(entry.Id);
                }
                else if (load.ContainsKey(move.Target))
                {
                    load[move.Target]++;
                    continue;
                }
            }

            load[at]++;
            onSilo[at].Add(entry.Id);
        }

        var moves = new List<WorkerMove>();
        while (moves.Count < options.RebalanceMaxMoves && load.Count > 0)
        {
            var most = load.MaxBy(kv => kv.Value).Key;
            var least = load.MinBy(kv => kv.Value).Key;
            if (load[most] - load[least] <= 1 || onSilo[most].Count == 0)
            {
                break;
            }

            var id = onSilo[most][^1];
            onSilo[most].RemoveAt(onSilo[most].Count - 1);
            load[most]--;
            load[least]++;
            moves.Add(new WorkerMove(id, silos[least]));
            _moving[id] = (least, now);
        }

        return moves;
    }

    /// <summary>The move of <paramref name="id"/> failed: a later round may move it again.</summary>
    public void MoveFailed(string id) => _moving.Remove(id);
}
