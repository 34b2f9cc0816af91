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
    public static long? Lag(WorkerInfo worker) => Lag(worker.Head, worker.Checkpoint);

    /// <summary><see cref="Lag(WorkerInfo)"/> of a worker at <paramref name="checkpoint"/> whose source's head is <paramref name="head"/>.</summary>
    public static long? Lag(long? head, long checkpoint) => head is { } h ? Math.Max(0, h - checkpoint) : null;

    /// <summary>The <paramref name="count"/> slowest of <paramref name="workers"/> that are running, slowest first.</summary>
    public static ImmutableArray<WorkerInfo> Top(IEnumerable<WorkerInfo> workers, int count) =>
        TopOf(workers, count, static w => w.Status, Order);

    /// <summary>The <paramref name="count"/> slowest of the running <paramref name="rows"/>, slowest first: ranked on the
    /// rows themselves, and only the kept ones' snapshots built.</summary>
    public static ImmutableArray<WorkerInfo> Top(IEnumerable<RegistryEntry> rows, int count) =>
        [.. TopOf(rows, count, static r => r.Status, RowOrder).Select(r => r.Info)];

    private static readonly IComparer<RegistryEntry> RowOrder = Comparer<RegistryEntry>.Create(static (x, y) =>
        ReferenceEquals(x, y) ? 0 : x is null || y is null ? (x is null ? 1 : -1)
            : Compare(Lag(x.Head, x.Checkpoint), x.Checkpoint, x.Id, Lag(y.Head, y.Checkpoint), y.Checkpoint, y.Id));

    private static ImmutableArray<T> TopOf<T>(IEnumerable<T> workers, int count, Func<T, WorkerStatus> status, IComparer<T> order)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0)
        {
            return [];
        }

        // The count slowest seen so far, the least slow of them on top: one pass, no sort of every running worker.
        var kept = new PriorityQueue<T, T>(count + 1, Comparer<T>.Create((x, y) => order.Compare(y, x)));
        foreach (var worker in workers)
        {
            if (status(worker) != WorkerStatus.Running)
            {
                continue;
            }

            if (kept.Count < count)
            {
                kept.Enqueue(worker, worker);
            }
            else if (order.Compare(worker, kept.Peek()) < 0)
            {
                kept.DequeueEnqueue(worker, worker);
            }
        }

        return [.. kept.UnorderedItems.Select(k => k.Element).Order(order)];
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

        return Compare(Lag(x), x.Checkpoint, x.Id, Lag(y), y.Checkpoint, y.Id);
    }

    /// <summary>The order: a known lag before an unknown one, larger lags first, then lower checkpoints, then ids.</summary>
    private static int Compare(long? lagX, long checkpointX, string idX, long? lagY, long checkpointY, string idY)
    {
        var order = (lagX, lagY) switch
        {
            ({ } a, { } b) => b.CompareTo(a),
            (not null, null) => -1,
            (null, not null) => 1,
            _ => 0,
        };
        if (order == 0)
        {
            order = checkpointX.CompareTo(checkpointY);
        }

        return order != 0 ? order : string.CompareOrdinal(idX, idY);
    }
}
