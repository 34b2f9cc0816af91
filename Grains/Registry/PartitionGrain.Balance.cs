using Orleans.Runtime;
using Overseer.Models;
using Overseer.Placement;

namespace Overseer.Registry;

/// <summary>Rebalancing after the membership changed: the partition goes to its home silo, and its running workers
/// spread evenly over the active silos, a bounded number of moves per round.</summary>
/// <remarks>Every partition balances its own slice (ids are spread over partitions by hash), so the cluster ends
/// within a few workers of even without any coordination. A move is a live migration of the worker
/// (<see cref="IWorkerGrain.MoveToAsync"/>): it commits what it has, saves its checkpoint and resumes on the target.
/// Only surplus moves — from the most to the least loaded silo while they differ by more than one — so a join moves
/// about 1/S of the workers, not all of them.</remarks>
public sealed partial class PartitionGrain
{
    private readonly Dictionary<string, (string Target, DateTimeOffset At)> _moving = new(StringComparer.Ordinal);
    private DateTimeOffset _lastBalance;
    private SiloAddress? _pendingHome;

    private void RebalanceIfDue(DateTimeOffset now)
    {
        var every = Options.RebalanceInterval;
        if (every <= TimeSpan.Zero || now - _lastBalance < every)
        {
            return;
        }

        _lastBalance = now;
        var active = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => m.SiloAddress)
            .ToList();
        if (active.Count == 0)
        {
            return;
        }

        // Confirmed over two rounds, so that a partition does not chase a membership view still converging
        // (at once if this silo is leaving).
        var home = PartitionLayout.HomeOf(Partition, active);
        if (home is not null && !home.Equals(localSilo.SiloAddress))
        {
            if (home.Equals(_pendingHome) || !active.Contains(localSilo.SiloAddress))
            {
                Log.MovingHome(logger, Partition, home.ToString());
                this.MigrateOnIdle();
                return;
            }

            _pendingHome = home;
        }
        else
        {
            _pendingHome = null;
        }

        BalanceWorkers(active, now, every);
    }

    private void BalanceWorkers(List<SiloAddress> active, DateTimeOffset now, TimeSpan every)
    {
        foreach (var (id, move) in _moving.ToList())
        {
            if (now - move.At > 3 * every)
            {
                _moving.Remove(id);
            }
        }

        var silos = active.ToDictionary(s => s.Endpoint.ToString(), StringComparer.Ordinal);
        var onSilo = silos.Keys.ToDictionary(s => s, _ => new List<string>(), StringComparer.Ordinal);
        var load = silos.Keys.ToDictionary(s => s, _ => 0, StringComparer.Ordinal);
        foreach (var entry in _entries.Values)
        {
            if (!entry.ShouldRun || entry.Info.Status != WorkerStatus.Running || entry.Info.Silo is not { } at || !silos.ContainsKey(at))
            {
                continue;
            }

            if (_moving.TryGetValue(entry.Info.Id, out var move))
            {
                if (move.Target == at)
                {
                    _moving.Remove(entry.Info.Id);
                }
                else if (load.ContainsKey(move.Target))
                {
                    load[move.Target]++;
                    continue;
                }
            }

            load[at]++;
            onSilo[at].Add(entry.Info.Id);
        }

        var moves = new List<(string Id, SiloAddress Target)>();
        while (moves.Count < Options.RebalanceMaxMoves)
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
            moves.Add((id, silos[least]));
        }

        if (moves.Count == 0)
        {
            return;
        }

        Log.Rebalancing(logger, Partition, moves.Count, silos.Count);
        foreach (var (id, target) in moves)
        {
            _moving[id] = (target.Endpoint.ToString(), now);
            MoveAsync(id, target).Ignore();
        }
    }

    private async Task MoveAsync(string id, SiloAddress target)
    {
        try
        {
            using var timeout = new CancellationTokenSource(Options.PokeTimeout);
            await GrainFactory.GetGrain<IWorkerGrain>(id).MoveToAsync(target, timeout.Token);
        }
        catch (Exception ex)
        {
            _moving.Remove(id);
            Log.MoveFailed(logger, Partition, id, ex);
        }
    }
}
