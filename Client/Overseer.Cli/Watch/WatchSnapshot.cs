using System.Collections.Immutable;
using Overseer.Models;

namespace Overseer.Cli.Watch;

/// <summary>What <c>watch</c> shows at one refresh (and prints once with <c>--once</c> or <c>--json</c>).</summary>
/// <param name="EventsPerSecond">Cluster-wide, from the change in <paramref name="Checkpoints"/>; null until two samples exist.</param>
internal sealed record WatchSnapshot(
    DateTimeOffset At,
    int Workers,
    ImmutableSortedDictionary<string, int> ByStatus,
    double? EventsPerSecond,
    long Checkpoints,
    long Failovers,
    int Silos,
    int Partitions,
    ImmutableArray<SlowWorker> Slowest)
{
    public static WatchSnapshot From(DateTimeOffset at, ClusterSummary summary, double? eventsPerSecond, IEnumerable<WorkerInfo> slowest) => new(
        at,
        summary.Workers,
        summary.ByStatus,
        eventsPerSecond is { } rate ? Math.Round(rate, 1) : null,
        summary.Checkpoints,
        summary.Failovers,
        summary.Silos,
        summary.Partitions,
        [.. slowest.Select(w => new SlowWorker(
            w.Id, w.Checkpoint, w.Head, w.Head is { } head ? Math.Max(0, head - w.Checkpoint) : null, w.Handler, w.Silo))]);
}
