using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Overseer.Placement;
using Overseer.Errors;
using Overseer.Hosting;
using Overseer.Models;

namespace Overseer.Registry;

/// <summary>One partition: its slice of the registry (in memory, persisted to Redis) and the supervision of its
/// workers — restarts after backoff, restore after a cluster restart, recovery after silo loss, stall detection.</summary>
/// <remarks>Not on the event path: workers index on their own and only report status changes and heartbeats
/// (one-way). Interleaving: pokes run as background tasks on this activation's scheduler; they only touch the
/// in-memory maps in synchronous sections, so every map mutation is atomic with respect to requests and ticks.</remarks>
[PartitionPlacement]
public sealed partial class PartitionGrain(
    RegistryStore store,
    IClusterMembershipService membership,
    ILocalSiloDetails localSilo,
    IOptions<SupervisionOptions> supervision,
    TimeProvider time,
    ILogger<PartitionGrain> logger) : Grain, IPartitionGrain
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan FlushEvery = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan ScanEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan UnknownGrace = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, RegistryEntry> _entries = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _lastSeen = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, DateTimeOffset> _due = new();
    private readonly Queue<string> _pokeQueue = new();
    private readonly HashSet<string> _queued = new(StringComparer.Ordinal);
    private int _inFlight;
    private DateTimeOffset _lastFlush;
    private DateTimeOffset _lastScan;

    private int Partition => (int)this.GetPrimaryKeyLong();

    private SupervisionOptions Options => supervision.Value;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var entry in await store.LoadAsync(Partition))
        {
            Put(entry);
            _lastSeen[entry.Info.Id] = now;
        }

        var restoring = 0;
        foreach (var entry in _entries.Values)
        {
            if (!entry.ShouldRun)
            {
                continue;
            }

            restoring++;
            if (entry.Info.Status == WorkerStatus.Backoff && entry.Info.NextRestartAt is { } at && at > now)
            {
                _due.Enqueue(entry.Info.Id, at);
            }
            else
            {
                EnqueuePoke(entry.Info.Id);
            }
        }

        Log.Loaded(logger, Partition, _entries.Count, restoring);
        _lastFlush = _lastScan = now;
        this.RegisterGrainTimer(OnTickAsync, new GrainTimerCreationOptions(Tick, Tick) { KeepAlive = true });
        PumpPokes();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        WithdrawSnapshot();
        await FlushAsync();
    }

    public async Task RegisterAsync(string id, string source, CancellationToken cancellationToken = default)
    {
        if (WorkerIds.Validate(id) is { } problem)
        {
            throw OverseerException.Invalid(problem);
        }

        var now = time.GetUtcNow();
        var entry = _entries.TryGetValue(id, out var existing)
            ? existing with { WantsRun = true }
            : new RegistryEntry(new WorkerInfo { Id = id, Status = WorkerStatus.Pending, Source = source, UpdatedAt = now }, WantsRun: true, RegisteredAt: now);
        Put(entry);
        _lastSeen[id] = now;

        // Durable before the worker is asked to run: a full-cluster restart must find it.
        await store.SaveAsync(Partition, [entry]);
        _dirty.Remove(id);
    }

    public Task ReportAsync(WorkerReport report)
    {
        var info = report.Info;
        var now = time.GetUtcNow();
        _lastSeen[info.Id] = now;
        if (!Apply(report))
        {
            return Task.CompletedTask;
        }

        var entry = _entries[info.Id];
        if (!entry.ShouldRun)
        {
            return Task.CompletedTask;
        }

        if (info.Status == WorkerStatus.Backoff)
        {
            _due.Enqueue(info.Id, info.NextRestartAt ?? now);
        }
        else if (report.Detached)
        {
            EnqueuePoke(info.Id);
            PumpPokes();
        }

        return Task.CompletedTask;
    }

    public Task<WorkerPage> ListAsync(WorkerQuery query, CancellationToken cancellationToken = default)
    {
        var limit = Math.Clamp(query.Limit, 1, WorkerQuery.MaxLimit);
        IEnumerable<string> ids = query.AfterId switch
        {
            null => _ids,
            var after when _ids.Max is { } max && string.CompareOrdinal(after, max) < 0 =>
                _ids.GetViewBetween(after, max).Where(id => string.CompareOrdinal(id, after) > 0),
            _ => [],
        };
        var items = ImmutableArray.CreateBuilder<WorkerInfo>(Math.Min(limit, 256));
        string? next = null;
        foreach (var id in ids)
        {
            var info = _entries[id].Info;
            if (query.Status is { } status && info.Status != status)
            {
                continue;
            }

            if (items.Count == limit)
            {
                next = items[^1].Id;
                break;
            }

            items.Add(info);
        }

        return Task.FromResult(new WorkerPage(items.ToImmutable(), next));
    }

    public Task<ImmutableDictionary<WorkerStatus, int>> CountAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(_entries.Values.GroupBy(e => e.Info.Status).ToImmutableDictionary(g => g.Key, g => g.Count()));

    public Task EnsureActiveAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task SiloDownAsync(string silo, CancellationToken cancellationToken = default)
    {
        var count = 0;
        foreach (var entry in _entries.Values)
        {
            if (entry.ShouldRun && entry.Info.Silo == silo && entry.Info.Status != WorkerStatus.Backoff)
            {
                EnqueuePoke(entry.Info.Id);
                count++;
            }
        }

        if (count > 0)
        {
            Log.SiloDown(logger, Partition, silo, count);
            PumpPokes();
        }

        return Task.CompletedTask;
    }

    private async Task OnTickAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        while (_due.TryPeek(out var id, out var at) && at <= now)
        {
            _due.Dequeue();
            if (_entries.TryGetValue(id, out var entry) && entry.ShouldRun)
            {
                EnqueuePoke(id);
            }
        }

        if (now - _lastScan >= ScanEvery)
        {
            _lastScan = now;
            ScanForStalls(now);
        }

        CheckPoolIfDue(now);
        PumpPokes();
        RebalanceIfDue(now);
        PublishSnapshotIfDue(now);
        if (now - _lastFlush >= FlushEvery)
        {
            _lastFlush = now;
            await FlushAsync();
        }
    }

    /// <summary>Workers that should run but have gone silent (activation lost, loop wedged, report lost).</summary>
    private void ScanForStalls(DateTimeOffset now)
    {
        var stall = Options.StallTimeout;
        foreach (var entry in _entries.Values)
        {
            if (!entry.ShouldRun)
            {
                continue;
            }

            var id = entry.Info.Id;
            var silentSince = _lastSeen.GetValueOrDefault(id, now);
            if (entry.Info.Status == WorkerStatus.Backoff && entry.Info.NextRestartAt is { } at && at > silentSince)
            {
                silentSince = at;
            }

            // A worker that reported itself queued for a pool slot has no run to be silent about: the pool check wakes
            // it when a slot is free; the scan only catches one whose queue entry was lost, and less often.
            var timeout = entry.Info.Status == WorkerStatus.Pending && entry.Info.Version > 0 ? stall * QueuedStallFactor : stall;
            if (now - silentSince >= timeout)
            {
                _lastSeen[id] = now;
                EnqueuePoke(id);
            }
        }
    }

    private void EnqueuePoke(string id)
    {
        if (_queued.Add(id))
        {
            _pokeQueue.Enqueue(id);
        }
    }

    private void PumpPokes()
    {
        while (_inFlight < Options.RestoreConcurrency && _pokeQueue.TryDequeue(out var id))
        {
            _queued.Remove(id);
            _inFlight++;
            PokeAsync(id).Ignore();
        }
    }

    private async Task PokeAsync(string id)
    {
        try
        {
            using var timeout = new CancellationTokenSource(Options.PokeTimeout);
            var info = await GrainFactory.GetGrain<IWorkerGrain>(id).EnsureRunningAsync(timeout.Token);
            var now = time.GetUtcNow();
            if (info is null)
            {
                if (_entries.TryGetValue(id, out var entry) && entry.Info.Status == WorkerStatus.Pending && now - entry.RegisteredAt > UnknownGrace)
                {
                    Remove(id);
                    await store.DeleteAsync(Partition, id);
                    Log.Removed(logger, Partition, id);
                }
            }
            else
            {
                // The poke's answer is the worker's own word: it also heals a row left stale by a lost report.
                _lastSeen[id] = now;
                var wantsRun = info.Status switch
                {
                    WorkerStatus.Pending or WorkerStatus.Running or WorkerStatus.Backoff => true,
                    WorkerStatus.Stopped => false,
                    _ => !_entries.TryGetValue(id, out var row) || row.WantsRun,
                };
                if (Apply(new WorkerReport(info, wantsRun)) && info.Status == WorkerStatus.Backoff)
                {
                    _due.Enqueue(id, info.NextRestartAt ?? now);
                }
            }
        }
        catch (Exception ex)
        {
            // The stall scan pokes again later.
            Log.PokeFailed(logger, Partition, id, ex);
        }
        finally
        {
            _inFlight--;
            PumpPokes();
        }
    }

    private async Task FlushAsync()
    {
        if (_dirty.Count == 0)
        {
            return;
        }

        var batch = _dirty.Where(_entries.ContainsKey).Select(id => _entries[id]).ToList();
        _dirty.Clear();
        try
        {
            await store.SaveAsync(Partition, batch);
        }
        catch (Exception ex)
        {
            Log.FlushFailed(logger, Partition, batch.Count, ex);
            foreach (var entry in batch)
            {
                _dirty.Add(entry.Info.Id);
            }
        }
    }

    /// <summary>Takes the report unless the registry already holds a newer snapshot of that worker.</summary>
    private bool Apply(WorkerReport report)
    {
        var info = report.Info;
        var existing = _entries.GetValueOrDefault(info.Id);
        if (existing is not null && existing.Info.Version > info.Version)
        {
            return false;
        }

        Put(new RegistryEntry(info, report.WantsRun, existing?.RegisteredAt ?? time.GetUtcNow()));
        _dirty.Add(info.Id);
        return true;
    }

    private void Put(RegistryEntry entry)
    {
        _entries[entry.Info.Id] = entry;
        _ids.Add(entry.Info.Id);
    }

    private void Remove(string id)
    {
        _entries.Remove(id);
        _ids.Remove(id);
        _lastSeen.Remove(id);
        _dirty.Remove(id);
    }
}
