using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Runtime;
using Overseer.Errors;
using Overseer.Hosting;
using Overseer.Models;
using Overseer.Operations;
using Overseer.Pool;
using Overseer.Sources;
using Overseer.Sources.Streams;

namespace Overseer.Registry;

/// <summary>The client-facing manager: stateless and local to whichever silo the client reached, so it is never a
/// bottleneck. It routes each id to its partition and fans queries out over all partitions.</summary>
/// <remarks>Interleaving (<see cref="ReentrantAttribute"/>) is intended: the invariant is that this grain holds no
/// mutable state of its own — every field is an injected, thread-safe singleton (catalog, options, membership, pool,
/// audit log) and every method only validates its arguments and forwards to the partition or worker that owns the id,
/// whose own turn-based concurrency keeps each worker's operations in order. Non-reentrant, each activation (at most
/// one per core) served one start at a time through a registry write, the worker's activation and its state write,
/// so about four starts were in flight cluster-wide whatever the client sent (issue 10, Little's law).</remarks>
[StatelessWorker]
[Reentrant]
internal sealed partial class ManagerGrain(
    SourceCatalog sources,
    IOptions<OverseerOptions> overseer,
    IClusterMembershipService membership,
    SlotPool pool,
    AuditLog audit,
    OverseerGrains grains,
    StreamFollowers followers,
    Outputs.OutputCatalog outputs) : Grain, IManagerGrain
{
    private int Partitions => overseer.Value.Partitions;

    public Task<WorkerInfo> StartAsync(string id, WorkerSpec spec, CancellationToken cancellationToken = default) =>
        StartAsync(id, spec, StartMode.Queue, cancellationToken);

    public async Task<WorkerInfo> StartAsync(string id, WorkerSpec spec, StartMode mode, CancellationToken cancellationToken = default)
    {
        EnsureValid(id);
        sources.Validate(spec);
        if (!Enum.IsDefined(mode))
        {
            throw OverseerException.Invalid($"invalid start mode {(int)mode}: expected queue or try");
        }

        // A stream worker's upstream is checked before the worker is registered: a refusal leaves nothing behind.
        await followers.CheckUpstreamAsync(id, spec, cancellationToken);
        await PartitionOf(id).RegisterAsync(id, spec.Source, cancellationToken);
        return await Worker(id).StartAsync(spec, mode, cancellationToken);
    }

    public Task<WorkerInfo> StopAsync(string id, CancellationToken cancellationToken = default)
    {
        EnsureValid(id);
        return Worker(id).StopAsync(cancellationToken);
    }

    public async Task<WorkerInfo> ResumeAsync(string id, CancellationToken cancellationToken = default)
    {
        EnsureValid(id);
        var info = await Worker(id).GetInfoAsync(cancellationToken);
        await PartitionOf(id).RegisterAsync(id, info.Source, cancellationToken);
        return await Worker(id).ResumeAsync(cancellationToken);
    }

    public Task<DeleteResult> DeleteAsync(string id, bool keepEvents, string actor, CancellationToken cancellationToken = default)
    {
        EnsureValid(id);
        return audit.RecordAsync(
            actor, "delete", id, keepEvents ? "keep-events" : "",
            async () =>
            {
                await followers.EnsureNotFollowedAsync(id, StreamFollowers.Deleted, cancellationToken);
                return await Worker(id).DeleteAsync(keepEvents, cancellationToken);
            },
            r => $"checkpoint {r.Checkpoint}, {r.EventsRemoved} events removed" + (r.EventsKept ? ", events kept" : ""),
            cancellationToken);
    }

    public Task<RewindResult> RewindAsync(string id, long toSeq, string actor, CancellationToken cancellationToken = default)
    {
        EnsureValid(id);
        return audit.RecordAsync(
            actor, "rewind", id, $"to {toSeq}",
            async () =>
            {
                await followers.EnsureNotFollowedAsync(id, StreamFollowers.Rewound, cancellationToken);
                return await Worker(id).RewindAsync(toSeq, cancellationToken);
            },
            r => $"from checkpoint {r.FromCheckpoint}, {r.EventsRemoved} events removed, now {r.Worker.Status.ToString().ToLowerInvariant()}",
            cancellationToken);
    }

    public Task<WorkerInfo> SkipAsync(string id, long? seq, string actor, CancellationToken cancellationToken = default)
    {
        EnsureValid(id);
        return audit.RecordAsync(
            actor, "skip", id, seq is { } s ? $"seq {s}" : "the halted event",
            () => Worker(id).SkipAsync(seq, cancellationToken),
            r => $"passed, now {r.Status.ToString().ToLowerInvariant()} at checkpoint {r.Checkpoint}",
            cancellationToken);
    }

    public Task<DeadLetter> ReplayAsync(string id, long seq, string actor, CancellationToken cancellationToken = default)
    {
        EnsureValid(id);
        return audit.RecordAsync(
            actor, "replay", id, $"dead letter seq {seq}",
            () => Worker(id).ReplayAsync(seq, cancellationToken),
            r => $"handler applied once to seq {r.Seq} after {r.Attempts} failed attempts; dead letter removed",
            cancellationToken);
    }

    public Task<WorkerInfo> DiscardAsync(string id, long seq, string actor, CancellationToken cancellationToken = default)
    {
        EnsureValid(id);
        return audit.RecordAsync(
            actor, "discard", id, $"dead letter seq {seq}",
            () => Worker(id).DiscardAsync(seq, cancellationToken),
            r => $"removed without replay; {r.DeadLetters} dead letters left",
            cancellationToken);
    }

    public Task<DeadLetterPage> GetDeadLettersAsync(string? id, DeadLetterPosition? after, int limit, CancellationToken cancellationToken = default)
    {
        if (id is not null)
        {
            EnsureValid(id);
        }

        if (limit is < 1 or > DeadLetterPage.MaxLimit)
        {
            throw OverseerException.Invalid($"invalid limit {limit}: expected 1..{DeadLetterPage.MaxLimit} dead letters per page");
        }

        return outputs.DeadLetters is { } letters
            ? letters.ListAsync(id, after, limit, cancellationToken)
            : Task.FromResult(new DeadLetterPage([], null));
    }

    public Task<ImmutableArray<AuditEntry>> GetAuditAsync(int count, CancellationToken cancellationToken = default)
    {
        if (count is < 1 or > AuditLog.MaxRead)
        {
            throw OverseerException.Invalid($"invalid count {count}: expected 1..{AuditLog.MaxRead} audit entries");
        }

        return audit.ReadAsync(count, cancellationToken);
    }

    public async Task<WorkerPage> ListAsync(WorkerQuery query, CancellationToken cancellationToken = default)
    {
        if (query.Limit is < 1 or > WorkerQuery.MaxLimit)
        {
            throw OverseerException.Invalid($"invalid limit {query.Limit}: expected 1..{WorkerQuery.MaxLimit} per page");
        }

        var pages = await Task.WhenAll(AllPartitions().Select(p => p.ListAsync(query, cancellationToken)));
        var merged = pages.SelectMany(p => p.Items).OrderBy(i => i.Id, StringComparer.Ordinal).ToList();
        var more = merged.Count > query.Limit || pages.Any(p => p.NextAfterId is not null);
        var items = merged.Take(query.Limit).ToImmutableArray();
        return new WorkerPage(items, more && items.Length > 0 ? items[^1].Id : null);
    }

    public async Task<ClusterSummary> GetSummaryAsync(CancellationToken cancellationToken = default)
    {
        var countsCall = Task.WhenAll(AllPartitions().Select(p => p.CountAsync(cancellationToken)));
        var loadsCall = LoadsAsync(slowest: 0, cancellationToken);
        var poolCall = pool.GetStatusAsync(cancellationToken);
        await Task.WhenAll(countsCall, loadsCall, poolCall);
        var (counts, loads, slots) = (await countsCall, await loadsCall, await poolCall);
        var byStatus = Enum.GetValues<WorkerStatus>().ToImmutableSortedDictionary(
            s => s.ToString().ToLowerInvariant(),
            s => counts.Sum(c => c.GetValueOrDefault(s)),
            StringComparer.Ordinal);
        var silos = membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);
        return new ClusterSummary(
            byStatus.Values.Sum(), byStatus, Partitions, silos, loads.Sum(l => l.Checkpoints), loads.Sum(l => l.Failovers),
            slots.Size, slots.InUse, slots.Pending, slots.AverageWaitMs);
    }

    private IEnumerable<IPartitionGrain> AllPartitions() => grains.Partitions;

    private IPartitionGrain PartitionOf(string id) => grains.PartitionOf(id);

    private IWorkerGrain Worker(string id) => grains.Worker(id);

    private static void EnsureValid(string id)
    {
        if (WorkerIds.Validate(id) is { } problem)
        {
            throw OverseerException.Invalid(problem);
        }
    }
}
