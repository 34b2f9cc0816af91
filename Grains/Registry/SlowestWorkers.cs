using System.Collections.Immutable;
using Overseer.Models;

namespace Overseer.Registry;

/// <summary>Which running workers are furthest behind. A worker whose source reports a head ranks by lag
/// (head − checkpoint, largest first); one without a head can only rank by progress (lowest checkpoint first) and
/// comes after every worker with a known lag, since "unknown" cannot be compared with a measured lag.</summary>
/// <remarks>Partitions pick their own top N and the manager merges them with the same order, which gives the
/// exact cluster-wide top N: no worker outside a partition's top N can be in the overall one.</remarks>
internal static class SlowestWorkers
{
    /// <summary>Slowest first; ties broken by id so the order is total and stable across partitions.</summary>
    public static readonly IComparer<WorkerInfo> Order = Comparer<WorkerInfo>.Create(Compare);

    /// <summary>How far behind its source a worker is, when its source reports a head; never negative (a
    /// restarted source may report a head below the checkpoint).</summary>
    public static long? Lag(WorkerInfo worker) => worker.Head is { } head ? Math.Max(0, head - worker.Checkpoint) : null;

    /// <summary>The <paramref name="count"/> slowest of <paramref name="workers"/> that are running, slowest first.</summary>
    public static ImmutableArray<WorkerInfo> Top(IEnumerable<WorkerInfo> workers, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0)
        {
            return [];
        }

        // The count slowest seen so far, the least slow of them on top: one pass, no sort of every running worker.
        var kept = new PriorityQueue<WorkerInfo, WorkerInfo>(count + 1, Comparer<WorkerInfo>.Create((x, y) => Order.Compare(y, x)));
        foreach (var worker in workers)
        {
            if (worker.Status != WorkerStatus.Running)
            {
                continue;
            }

            if (kept.Count < count)
            {
                kept.Enqueue(worker, worker);
            }
            else if (Order.Compare(worker, kept.Peek()) < 0)
            {
                kept.DequeueEnqueue(worker, worker);
            }
        }

        return [.. kept.UnorderedItems.Select(k => k.Element).Order(Order)];
    }

    private static int Compare(WorkerInfo? x, WorkerInfo? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? 1 : -1;
        }

        var (lagX, lagY) = (Lag(x), Lag(y));
        var order = (lagX, lagY) switch
        {
            ({ } a, { } b) => b.CompareTo(a),
            (not null, null) => -1,
            (null, not null) => 1,
            _ => 0,
        };
        if (order == 0)
        {
            order = x.Checkpoint.CompareTo(y.Checkpoint);
        }

        return order != 0 ? order : string.CompareOrdinal(x.Id, y.Id);
    }
}
