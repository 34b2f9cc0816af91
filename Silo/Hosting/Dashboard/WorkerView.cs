namespace Overseer.Hosting.Dashboard;

/// <summary>What the worker view shows (also the JSON of <c>/workers/api</c>).</summary>
/// <param name="Workers">Workers in the registry.</param>
/// <param name="ByStatus">Workers per status name.</param>
/// <param name="EventsPerSecond">Cluster-wide, from the change of <paramref name="Checkpoints"/>; null until two samples.</param>
/// <param name="Lag">Sum of head − checkpoint over the <paramref name="LagKnown"/> running workers whose head is known.</param>
/// <param name="Checkpoints">Sum of the workers' checkpoints (events committed).</param>
/// <param name="LagKnown">Running workers whose source reports a head.</param>
/// <param name="Failovers">Push-to-poll switches, summed over the workers.</param>
/// <param name="Rows">This page of workers.</param>
/// <param name="Scanned">Registry rows read to build this page (more than <c>Rows</c> when searching).</param>
/// <param name="NextAfter">Where the next page starts (its <c>after</c>), or null on the last page.</param>
internal sealed record WorkerView(
    int Workers,
    IReadOnlyDictionary<string, int> ByStatus,
    double? EventsPerSecond,
    long Checkpoints,
    long Lag,
    int LagKnown,
    long Failovers,
    IReadOnlyList<WorkerRow> Rows,
    int Scanned,
    string? NextAfter);
