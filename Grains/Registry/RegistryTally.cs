using System.Collections.Immutable;
using Overseer.Models;

namespace Overseer.Registry;

/// <summary>The totals of a set of registry rows, kept as rows come and go: a row's share is added when it is put and
/// taken away again when it is replaced or removed, so reading the totals never walks the rows. The one definition of
/// what a row contributes (<see cref="RegistryAggregate"/>'s fields); <see cref="RegistryAggregate.Of"/> is the same
/// tally over rows from scratch.</summary>
/// <remarks>Not thread-safe; the owner (one partition's <see cref="RegistrySlice"/>) calls it from one scheduler.</remarks>
internal sealed class RegistryTally
{
    private readonly Dictionary<WorkerStatus, int> _byStatus = [];
    private readonly Dictionary<string, int> _runningBySilo = new(StringComparer.Ordinal);
    private long _checkpoints;
    private long _failovers;
    private long _lag;
    private int _lagKnown;
    private RegistryAggregate? _snapshot;

    public void Add(RegistryEntry row) => Count(row, +1);

    public void Remove(RegistryEntry row) => Count(row, -1);

    /// <summary>The totals now; the same instance until a row's share changes.</summary>
    public RegistryAggregate Snapshot() => _snapshot ??= new RegistryAggregate(
        _byStatus.ToImmutableDictionary(),
        _runningBySilo.ToImmutableDictionary(StringComparer.Ordinal),
        _checkpoints,
        _failovers,
        _lag,
        _lagKnown);

    private void Count(RegistryEntry row, int sign)
    {
        _snapshot = null;
        Bump(_byStatus, row.Status, sign);
        _checkpoints += sign * row.Checkpoint;
        _failovers += sign * row.Failovers;
        if (row.Status != WorkerStatus.Running)
        {
            return;
        }

        if (row.Silo is { } silo)
        {
            Bump(_runningBySilo, silo, sign);
        }

        if (SlowestWorkers.Lag(row.Head, row.Checkpoint) is { } behind)
        {
            _lagKnown += sign;
            _lag += sign * behind;
        }
    }

    // A count that drops to zero leaves the dictionary: statuses and silos with no row are absent, as in a recount.
    private static void Bump<TKey>(Dictionary<TKey, int> counts, TKey key, int delta)
        where TKey : notnull
    {
        var count = counts.GetValueOrDefault(key) + delta;
        if (count == 0)
        {
            counts.Remove(key);
        }
        else
        {
            counts[key] = count;
        }
    }
}
