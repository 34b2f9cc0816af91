using System.Collections.Concurrent;
using Overseer.Client;
using Overseer.Models;

namespace Overseer.Bench;

/// <summary>Workers' own snapshots, the authority the registry's rows are checked against.</summary>
internal sealed class WorkerStates(OverseerClient client, int concurrency)
{
    /// <summary>How long a registry count may stand still before the workers are asked instead: longer than the
    /// partitions' stall timeout (8 s), after which they poke silent workers, so nothing would move after it.</summary>
    public static readonly TimeSpan RegistrySettleTime = TimeSpan.FromSeconds(10);

    /// <summary>Each worker's snapshot from the worker itself (a Completed worker is not run again by being asked).</summary>
    public async Task<Dictionary<string, WorkerInfo>> ReadAsync(IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        var states = new ConcurrentDictionary<string, WorkerInfo>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            ids,
            new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            async (id, token) => states[id] = await client.GetStatusAsync(id, token));
        return new Dictionary<string, WorkerInfo>(states, StringComparer.Ordinal);
    }

    /// <summary>Registry rows whose status differs from the worker's own, described for the report.</summary>
    /// <param name="registry">The registry's rows, by worker id; a worker missing here counts as a difference.</param>
    /// <param name="own">The workers' own snapshots.</param>
    public static List<string> Disagreements(IReadOnlyDictionary<string, WorkerInfo> registry, IReadOnlyDictionary<string, WorkerInfo> own) =>
    [
        .. own.Values
            .Where(w => !registry.TryGetValue(w.Id, out var row) || row.Status != w.Status)
            .OrderBy(w => w.Id, StringComparer.Ordinal)
            .Select(w => registry.TryGetValue(w.Id, out var row)
                ? $"{w.Id}: registry {row.Status} (updated {row.UpdatedAt:HH:mm:ss.fff}), worker {w.Status} (updated {w.UpdatedAt:HH:mm:ss.fff})"
                : $"{w.Id}: not in the registry, worker {w.Status}"),
    ];

    /// <summary>Throws unless every worker is in <paramref name="expected"/>.</summary>
    public static void RequireAll(IReadOnlyDictionary<string, WorkerInfo> own, WorkerStatus expected, string phase)
    {
        var wrong = own.Values.Where(w => w.Status != expected).OrderBy(w => w.Id, StringComparer.Ordinal).ToList();
        if (wrong.Count > 0)
        {
            throw new BenchFailedException(
                $"{phase}: expected every worker {expected} (asked each worker), but {wrong.Count} of {own.Count} were not, e.g. "
                + string.Join("; ", wrong.Take(5).Select(w => $"{w.Id} {w.Status} ({w.Restarts} restarts) {w.LastError}")));
        }
    }
}
