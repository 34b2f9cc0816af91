using System.Collections.Immutable;

namespace Overseer.Models;

/// <summary>One silo's heartbeat to one partition, sent every heartbeat interval in place of a report per worker: the
/// ids of that partition's workers with a run in progress on the silo, and the snapshots of those whose progress changed
/// since the last heartbeat.</summary>
/// <param name="Silo">The sending silo (<c>host:port</c>, the format of <see cref="WorkerInfo.Silo"/>).</param>
/// <param name="Running">Workers whose run is in progress on <paramref name="Silo"/>.</param>
/// <param name="Changed">The newest snapshot of each worker whose checkpoint or source status moved since the last
/// heartbeat (versioned like any report).</param>
[GenerateSerializer, Immutable, Alias("overseer.WorkerHeartbeats")]
public sealed record WorkerHeartbeats(
    [property: Id(0)] string Silo,
    [property: Id(1)] ImmutableArray<string> Running,
    [property: Id(2)] ImmutableArray<WorkerReport> Changed);
