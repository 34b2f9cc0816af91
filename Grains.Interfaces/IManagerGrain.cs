using System.Collections.Immutable;
using Overseer.Models;

namespace Overseer;

/// <summary>The client-facing entry point (the DynamicSupervisor's API). Stateless: it routes each worker id
/// to its partition by a stable hash and fans queries out over all partitions. Use key 0.</summary>
[Alias("overseer.IManagerGrain")]
public interface IManagerGrain : IGrainWithIntegerKey
{
    [Alias("Start")]
    Task<WorkerInfo> StartAsync(string id, WorkerSpec spec, CancellationToken cancellationToken = default);

    /// <summary>Start with an explicit answer to a full pool: <see cref="StartMode.Queue"/> (the default of
    /// <see cref="StartAsync(string, WorkerSpec, CancellationToken)"/>) or <see cref="StartMode.Try"/>.</summary>
    [Alias("StartWithMode")]
    Task<WorkerInfo> StartAsync(string id, WorkerSpec spec, StartMode mode, CancellationToken cancellationToken = default);

    [Alias("Stop")]
    Task<WorkerInfo> StopAsync(string id, CancellationToken cancellationToken = default);

    [Alias("Resume")]
    Task<WorkerInfo> ResumeAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Deletes a worker (see <see cref="IWorkerGrain.DeleteAsync"/>), recorded in the audit stream as asked by
    /// <paramref name="actor"/>.</summary>
    [Alias("Delete")]
    Task<DeleteResult> DeleteAsync(string id, bool keepEvents, string actor, CancellationToken cancellationToken = default);

    /// <summary>Rewinds a worker (see <see cref="IWorkerGrain.RewindAsync"/>), recorded in the audit stream as asked by
    /// <paramref name="actor"/>.</summary>
    [Alias("Rewind")]
    Task<RewindResult> RewindAsync(string id, long toSeq, string actor, CancellationToken cancellationToken = default);

    /// <summary>Skips a halted worker's poison event (see <see cref="IWorkerGrain.SkipAsync"/>), recorded in the audit
    /// stream as asked by <paramref name="actor"/>.</summary>
    [Alias("Skip")]
    Task<WorkerInfo> SkipAsync(string id, long? seq, string actor, CancellationToken cancellationToken = default);

    /// <summary>Replays a dead letter (see <see cref="IWorkerGrain.ReplayAsync"/>), recorded in the audit stream.</summary>
    [Alias("Replay")]
    Task<DeadLetter> ReplayAsync(string id, long seq, string actor, CancellationToken cancellationToken = default);

    /// <summary>Discards a dead letter (see <see cref="IWorkerGrain.DiscardAsync"/>), recorded in the audit stream.</summary>
    [Alias("Discard")]
    Task<WorkerInfo> DiscardAsync(string id, long seq, string actor, CancellationToken cancellationToken = default);

    /// <summary>One page of dead letters, of worker <paramref name="id"/> or (null) of every worker, ordered by worker then
    /// seq, after <paramref name="after"/>; at most <paramref name="limit"/> (1..<see cref="DeadLetterPage.MaxLimit"/>).
    /// Empty when no silo has a PostgreSQL database (only the PostgreSQL output keeps dead letters).</summary>
    [Alias("DeadLetters")]
    Task<DeadLetterPage> GetDeadLettersAsync(string? id, DeadLetterPosition? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>Handler versions: accepts a worker's new handler version (see <see cref="IWorkerGrain.AcceptAsync"/>),
    /// recorded in the audit stream as asked by <paramref name="actor"/>.</summary>
    [Alias("Accept")]
    Task<AcceptResult> AcceptAsync(string id, string actor, CancellationToken cancellationToken = default);

    /// <summary>The newest <paramref name="count"/> audit entries, oldest first.</summary>
    [Alias("Audit")]
    Task<ImmutableArray<AuditEntry>> GetAuditAsync(int count, CancellationToken cancellationToken = default);

    /// <summary>One page over all partitions, ordered by id.</summary>
    [Alias("List")]
    Task<WorkerPage> ListAsync(WorkerQuery query, CancellationToken cancellationToken = default);

    [Alias("Summary")]
    Task<ClusterSummary> GetSummaryAsync(CancellationToken cancellationToken = default);

    /// <summary>Every silo in the membership table (dead ones too), with the running workers and partitions it
    /// hosts, ordered by address.</summary>
    [Alias("Silos")]
    Task<ImmutableArray<SiloInfo>> GetSilosAsync(CancellationToken cancellationToken = default);

    /// <summary>The <paramref name="count"/> slowest running workers cluster-wide, slowest first: largest lag
    /// (head − checkpoint) where the source reports a head, then lowest checkpoint. Each partition picks its own
    /// slowest from its registry; no worker is called.</summary>
    [Alias("Slowest")]
    Task<ImmutableArray<WorkerInfo>> GetSlowestAsync(int count, CancellationToken cancellationToken = default);
}
