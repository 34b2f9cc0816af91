using System.Collections.Immutable;
using Orleans.Concurrency;
using Overseer.Models;

namespace Overseer;

/// <summary>One slice of the registry and its supervisor (the PartitionSupervisor equivalent). Keyed by
/// partition number 0..P-1; a worker belongs to the partition given by a stable hash of its id.</summary>
[Alias("overseer.IPartitionGrain")]
public interface IPartitionGrain : IGrainWithIntegerKey
{
    /// <summary>Durably records a worker this partition has never seen (before the worker is asked to run), so a
    /// full-cluster restart finds it even if the worker call never happened; a no-op for a known worker, whose own start
    /// or resume records its row (<see cref="RecordAsync"/>).</summary>
    [Alias("Register"), AlwaysInterleave]
    Task RegisterAsync(string id, string source, CancellationToken cancellationToken = default);

    /// <summary>A worker's start or resume, durable before it returns: restore after a full-cluster crash reads this row.
    /// A newer snapshot already held wins (and is written).</summary>
    [Alias("Record"), AlwaysInterleave]
    Task RecordAsync(WorkerReport report, CancellationToken cancellationToken = default);

    /// <summary>A deleted worker's row is removed (here and in Redis) before it returns; reports from it that arrive
    /// later are dropped until the id is registered again.</summary>
    [Alias("Forget")]
    Task ForgetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>A worker's status change (or a snapshot it sends on its own).</summary>
    [OneWay, Alias("Report")]
    Task ReportAsync(WorkerReport report);

    /// <summary>A silo's heartbeat for all of this partition's workers running there, as the whole set of them from a silo
    /// of an earlier version (a rolling deploy); this version's silos send <see cref="HeartbeatAsync"/>.</summary>
    [OneWay, Alias("Heartbeats")]
    Task HeartbeatsAsync(WorkerHeartbeats heartbeats);

    /// <summary>A silo's heartbeat for all of this partition's workers running there: one message per silo and interval,
    /// carrying only what changed since the partition last heard the whole set (<see cref="SiloHeartbeat"/>). The answer
    /// says whether the partition wants the whole set.</summary>
    [Alias("Heartbeat")]
    Task<HeartbeatAnswer> HeartbeatAsync(SiloHeartbeat heartbeat);

    /// <summary>A slot of the running-worker pool freed and <paramref name="id"/> (pending, of this partition) is next
    /// in line: poke it now rather than at the next tick.</summary>
    [OneWay, Alias("Wake")]
    Task WakeAsync(string id);

    /// <summary>One page of this partition's registry rows.</summary>
    [Alias("List")]
    Task<WorkerPage> ListAsync(WorkerQuery query, CancellationToken cancellationToken = default);

    /// <summary>Workers per status in this partition.</summary>
    [Alias("Count")]
    Task<ImmutableDictionary<WorkerStatus, int>> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>Activates the partition (loading its registry and restoring its workers) if it is not active.</summary>
    [Alias("EnsureActive")]
    Task EnsureActiveAsync(CancellationToken cancellationToken = default);

    /// <summary>A silo left the cluster: bring back the workers it hosted.</summary>
    [Alias("SiloDown")]
    Task SiloDownAsync(string silo, CancellationToken cancellationToken = default);

    /// <summary>Where this partition runs, its running workers per silo, its totals and its
    /// <paramref name="slowest"/> slowest running workers (0 = none).</summary>
    [Alias("Load")]
    Task<PartitionLoad> GetLoadAsync(int slowest = 0, CancellationToken cancellationToken = default);
}
