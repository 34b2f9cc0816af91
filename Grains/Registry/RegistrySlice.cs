using System.Collections.Immutable;
using Overseer.Models;
using Overseer.Supervision;

namespace Overseer.Registry;

/// <summary>One partition's slice of the registry in memory: the rows, their ids in order for paging, when each worker
/// was last heard from, and which rows changed since they were last written to Redis.</summary>
/// <remarks>The one versioning rule: a report older than the row (lower <see cref="WorkerInfo.Version"/>) is dropped.
/// A report that only restates the row (it differs in version or <see cref="WorkerInfo.UpdatedAt"/> at most, as an idle
/// worker's heartbeat does) is taken in memory but does not make the row dirty: Redis is written only for changes.
/// <para>Who was heard when: a worker is heard from by its own word (a report, a poke's answer, its registration or
/// load: <see cref="Seen"/>), and a running row is also vouched for by its silo's heartbeat for as long as that silo's
/// set (<see cref="HeartbeatLedger"/>) holds it: heard when the silo was last heard. So a heartbeat costs its changes, not
/// the silo's set, and the stall scan (<see cref="QuietSince"/>) reads only rows that no recently heard silo vouches for:
/// rows not running, running rows outside their silo's set (<c>_unvouched</c>), and the sets of silos gone quiet.</para>
/// Not thread-safe; the partition grain calls it from its own scheduler only.</remarks>
internal sealed class RegistrySlice
{
    /// <summary>The live statuses but <see cref="WorkerStatus.Running"/>: no heartbeat vouches for these rows.</summary>
    private static readonly WorkerStatus[] NotRunningLive = [.. Enum.GetValues<WorkerStatus>().Where(s => s.IsLive() && s != WorkerStatus.Running)];

    private readonly Dictionary<string, RegistryEntry> _rows = new(StringComparer.Ordinal);
    private readonly HeartbeatLedger _heartbeats;
    private readonly Dictionary<string, DateTimeOffset> _heard = new(StringComparer.Ordinal);

    /// <summary>Running rows that their silo's set does not hold: their own word is all that is heard of them.</summary>
    private readonly HashSet<string> _unvouched = new(StringComparer.Ordinal);

    /// <summary>Rows whose status or silo changed since a heartbeat of the silo whose set holds them was checked against
    /// them (<see cref="TakeHeartbeat"/>).</summary>
    private readonly HashSet<string> _recheck = new(StringComparer.Ordinal);

    /// <summary>Ids that joined the set of the heartbeat being taken.</summary>
    private readonly List<string> _joined = [];

    public RegistrySlice()
    {
        _heartbeats = new HeartbeatLedger(Joined, Left);
    }
    private readonly OrderedIds _ids = new();
    private readonly Dictionary<WorkerStatus, OrderedIds> _idsByStatus = [];
    private readonly RegistryTally _tally = new();
    private readonly Dictionary<string, DateTimeOffset> _lastSeen = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _forgotten = new(StringComparer.Ordinal);

    public int Count => _rows.Count;

    public IEnumerable<RegistryEntry> Rows => _rows.Values;

    /// <summary>The rows in <see cref="WorkerStatus.Running"/>, without walking the others.</summary>
    public IEnumerable<RegistryEntry> Running => IdsOf(WorkerStatus.Running).From("").Select(id => _rows[id]);

    /// <summary>Rows changed since they were last written (or handed to <see cref="TakeDirty"/>).</summary>
    public int DirtyCount => _dirty.Count;

    public RegistryEntry? Find(string id) => _rows.GetValueOrDefault(id);

    public bool IsDirty(string id) => _dirty.Contains(id);

    /// <summary>When <paramref name="id"/> was last heard from: its own word (a report, a poke's answer, its registration
    /// or load), or, while it runs in its silo's set, that silo's last heartbeat, whichever is later.</summary>
    public DateTimeOffset? LastSeen(string id)
    {
        DateTimeOffset? own = _lastSeen.TryGetValue(id, out var at) ? at : null;
        return _rows.TryGetValue(id, out var entry) && VouchedAt(entry) is { } heard && (own is null || heard > own) ? heard : own;
    }

    /// <summary>Takes a silo's heartbeat (<see cref="HeartbeatLedger"/>): its answer, and the ids of its set whose rows say
    /// otherwise (not running, or on another silo) — those that joined the set now, or whose row changed since — which
    /// a poke's answer heals. Every worker of the set is heard now, without being visited.</summary>
    public (HeartbeatAnswer Answer, IReadOnlyList<string> Disagree) TakeHeartbeat(SiloHeartbeat heartbeat, DateTimeOffset now)
    {
        _joined.Clear();
        var (answer, running) = _heartbeats.Take(heartbeat, id => _rows.TryGetValue(id, out var e) ? e.Id : id);
        if (running is null)
        {
            _joined.Clear();
            return (answer, []);
        }

        _heard[heartbeat.Silo] = now;
        var disagree = new List<string>();
        foreach (var id in _joined)
        {
            // Checked here, so not again below: each id is checked once per heartbeat.
            _recheck.Remove(id);
            if (Disagrees(id, heartbeat.Silo))
            {
                disagree.Add(id);
            }
        }

        _joined.Clear();
        if (_recheck.Count > 0)
        {
            foreach (var id in _recheck.ToList())
            {
                if (running.Contains(id))
                {
                    _recheck.Remove(id);
                    if (Disagrees(id, heartbeat.Silo))
                    {
                        disagree.Add(id);
                    }
                }
                else if (!_heartbeats.AnyRuns(id))
                {
                    _recheck.Remove(id);
                }
            }
        }

        return (answer, disagree);
    }

    /// <summary>The silo left the cluster: its set goes, and its running rows are heard of by their own word only.</summary>
    public void SiloGone(string silo)
    {
        _heartbeats.Forget(silo);
        _heard.Remove(silo);
    }

    /// <summary>The rows that should run and that no silo heard after <paramref name="cutoff"/> vouches for, each with when
    /// it was last heard from (null: never). Rows in the set of a silo heard after the cutoff are not read at all.</summary>
    public IEnumerable<(RegistryEntry Entry, DateTimeOffset? HeardAt)> QuietSince(DateTimeOffset cutoff)
    {
        foreach (var status in NotRunningLive)
        {
            if (_idsByStatus.TryGetValue(status, out var ids))
            {
                foreach (var id in ids.From(""))
                {
                    if (_rows[id] is { ShouldRun: true } entry)
                    {
                        yield return (entry, LastSeen(id));
                    }
                }
            }
        }

        foreach (var id in _unvouched)
        {
            if (_rows[id] is { ShouldRun: true } entry)
            {
                yield return (entry, LastSeen(id));
            }
        }

        foreach (var silo in _heartbeats.HeldSilos)
        {
            if (_heard.GetValueOrDefault(silo) > cutoff)
            {
                continue;
            }

            foreach (var id in _heartbeats.RunningOn(silo))
            {
                if (_rows.TryGetValue(id, out var entry) && entry.ShouldRun && IsRunningOn(entry, silo))
                {
                    yield return (entry, LastSeen(id));
                }
            }
        }
    }

    public void Seen(string id, DateTimeOffset now) => _lastSeen[id] = now;

    /// <summary>A silo's heartbeat says <paramref name="id"/> has a run in progress on <paramref name="silo"/>: a known
    /// worker is heard from now. True when its row says otherwise (not running, or on another silo): a report was lost
    /// or is still on its way, and a poke's answer heals the row.</summary>
    public bool SeenRunning(string id, string silo, DateTimeOffset now)
    {
        if (!_rows.TryGetValue(id, out var entry))
        {
            return false;
        }

        _lastSeen[id] = now;
        return entry.Status != WorkerStatus.Running || !string.Equals(entry.Silo, silo, StringComparison.Ordinal);
    }

    /// <summary>Rows read back from Redis on activation: already stored, so not dirty; those that should run are "seen"
    /// now so that the stall scan gives each restored worker a full timeout. The others are not: the scan never reads
    /// them, and whatever makes one live again (a report, a start, a poke's answer) marks it seen, so with a million
    /// finished rows that is a million fewer entries.</summary>
    public void Load(IEnumerable<RegistryEntry> rows, DateTimeOffset now)
    {
        var loaded = new List<RegistryEntry>();
        foreach (var row in rows)
        {
            if (_rows.ContainsKey(row.Id))
            {
                Put(row, dirty: false);
            }
            else
            {
                // New ids go into the orders in one sorted batch below, not one binary-searched insert each.
                _rows[row.Id] = row;
                _tally.Add(row);
                Vouch(row);
                loaded.Add(row);
            }

            if (row.ShouldRun)
            {
                _lastSeen[row.Id] = now;
            }
        }

        _ids.AddRange(loaded.Select(r => r.Id));
        // By the row held now: an id given twice was put again (Put) with its later row.
        foreach (var status in loaded.Select(r => _rows[r.Id]).GroupBy(r => r.Status))
        {
            IdsOf(status.Key).AddRange(status.Select(r => r.Id));
        }
    }

    /// <summary>The row of a worker never seen before, stored before the worker is asked to run (a full-cluster crash in
    /// between still finds it, and the pokes then learn whether the start reached the worker): Pending and wanted.
    /// Null for a known worker. Dirty until the caller, who writes it at once, calls <see cref="Saved"/> (so a failed
    /// write is retried by the next flush).</summary>
    public RegistryEntry? Register(string id, string source, DateTimeOffset now)
    {
        _forgotten.Remove(id);
        if (_rows.ContainsKey(id))
        {
            // A known worker: its own start or resume records its row (see PartitionGrain.RecordAsync); a start that
            // turns out to be a no-op (same spec, finished worker) must leave the row as the worker left it.
            return null;
        }

        var entry = new RegistryEntry(new WorkerInfo { Id = id, Status = WorkerStatus.Pending, Source = source, UpdatedAt = now }, WantsRun: true, RegisteredAt: now);
        Put(entry, dirty: true);
        _lastSeen[id] = now;
        return entry;
    }

    /// <summary><paramref name="entry"/> was written: it is clean unless a newer row replaced it meanwhile.</summary>
    public void Saved(RegistryEntry entry)
    {
        if (ReferenceEquals(_rows.GetValueOrDefault(entry.Id), entry))
        {
            _dirty.Remove(entry.Id);
        }
    }

    /// <summary>A worker's start or resume, which the caller writes at once: taken unless the slice holds a newer
    /// snapshot; returns the row to write (the current one either way, so the write also heals a lost flush).</summary>
    public RegistryEntry Record(WorkerReport report, DateTimeOffset now)
    {
        _lastSeen[report.Info.Id] = now;
        Apply(report, now);
        var entry = _rows[report.Info.Id];
        _dirty.Add(report.Info.Id);
        return entry;
    }

    /// <summary>Takes the report unless the slice holds a newer snapshot of that worker; true if taken.</summary>
    public bool Apply(WorkerReport report, DateTimeOffset now)
    {
        var info = report.Info;
        if (_forgotten.ContainsKey(info.Id))
        {
            // A deleted worker's late heartbeat (or a stale activation's): it must not bring the row back.
            return false;
        }

        var existing = _rows.GetValueOrDefault(info.Id);
        if (existing is not null && existing.Version > info.Version)
        {
            return false;
        }

        var entry = new RegistryEntry(info, report.WantsRun, existing?.RegisteredAt ?? now);
        if (existing is not null && IsRestatement(existing, report))
        {
            // Nothing the counts or Redis hold changed; only the version moves on, so older reports stay dropped.
            _rows[info.Id] = entry;
        }
        else
        {
            Put(entry, dirty: true);
        }

        return true;
    }

    /// <summary>A worker's answer to a poke is its own word: it also heals a row left stale by a lost report. A live
    /// worker wants to run and a stopped one does not; otherwise (finished) the row's wish stands (<see cref="RunRule.WantsRunOf"/>).</summary>
    public bool ApplyAnswer(WorkerInfo info, DateTimeOffset now)
    {
        var wantsRun = RunRule.WantsRunOf(info.Status, Find(info.Id)?.WantsRun ?? true);
        _lastSeen[info.Id] = now;
        return Apply(new WorkerReport(info, wantsRun), now);
    }

    /// <summary>Removes a row registered more than <paramref name="grace"/> ago whose worker was never created (a start
    /// that did not reach the worker); true if removed.</summary>
    public bool RemoveIfNeverStarted(string id, DateTimeOffset now, TimeSpan grace)
    {
        if (!_rows.TryGetValue(id, out var entry) || entry.Status != WorkerStatus.Pending || now - entry.RegisteredAt <= grace)
        {
            return false;
        }

        Remove(id);
        return true;
    }

    /// <summary>A deleted worker: its row goes, and reports from it are dropped until it is registered again (or until
    /// <see cref="PruneForgotten"/> lets the id go).</summary>
    public void Forget(string id, DateTimeOffset now)
    {
        Remove(id);
        _forgotten[id] = now;
    }

    /// <summary>Lets ids forgotten more than <paramref name="keep"/> ago go: no late report of theirs is still in flight.</summary>
    public void PruneForgotten(DateTimeOffset now, TimeSpan keep)
    {
        if (_forgotten.Count == 0)
        {
            return;
        }

        foreach (var (id, at) in _forgotten.Where(f => now - f.Value > keep).ToList())
        {
            _forgotten.Remove(id);
        }
    }

    /// <summary>The rows to write, in one batch; they are clean from now on unless <see cref="SaveFailed"/> says otherwise.</summary>
    public IReadOnlyList<RegistryEntry> TakeDirty()
    {
        var batch = _dirty.Where(_rows.ContainsKey).Select(id => _rows[id]).ToList();
        _dirty.Clear();
        return batch;
    }

    /// <summary>The write of <paramref name="batch"/> failed: its rows (those still held) are dirty again.</summary>
    public void SaveFailed(IEnumerable<RegistryEntry> batch)
    {
        foreach (var entry in batch)
        {
            if (_rows.ContainsKey(entry.Id))
            {
                _dirty.Add(entry.Id);
            }
        }
    }

    /// <summary>One page in id order, after <see cref="WorkerQuery.AfterId"/> (exclusive), optionally of one status: read
    /// from that status's own id order, so a rare status costs its rows, not the slice's.</summary>
    public WorkerPage List(WorkerQuery query)
    {
        var limit = Math.Clamp(query.Limit, 1, WorkerQuery.MaxLimit);
        var prefix = query.Prefix ?? "";
        var from = string.CompareOrdinal(query.AfterId, prefix) > 0 ? query.AfterId! : prefix;
        var order = query.Status is { } wanted ? IdsOf(wanted) : _ids;
        var ids = order.From(from).Where(id => id != query.AfterId).TakeWhile(id => id.StartsWith(prefix, StringComparison.Ordinal));
        var items = ImmutableArray.CreateBuilder<WorkerInfo>(Math.Min(limit, 256));
        string? next = null;
        foreach (var id in ids)
        {
            var info = _rows[id].Info;
            if (items.Count == limit)
            {
                next = items[^1].Id;
                break;
            }

            items.Add(info);
        }

        return new WorkerPage(items.ToImmutable(), next);
    }

    /// <summary>Counts and sums over every row, kept as rows change (the same instance until one does).</summary>
    public RegistryAggregate Aggregate() => _tally.Snapshot();

    private OrderedIds IdsOf(WorkerStatus status)
    {
        if (!_idsByStatus.TryGetValue(status, out var ids))
        {
            _idsByStatus[status] = ids = new OrderedIds();
        }

        return ids;
    }

    /// <summary>Same worker wish, same snapshot but for the version and the time of the worker's last write.</summary>
    private static bool IsRestatement(RegistryEntry existing, WorkerReport report) =>
        existing.WantsRun == report.WantsRun
        && existing.Info with { Version = report.Info.Version, UpdatedAt = report.Info.UpdatedAt } == report.Info;

    private void Remove(string id)
    {
        if (_rows.Remove(id, out var old))
        {
            _tally.Remove(old);
            IdsOf(old.Status).Remove(id);
        }

        _ids.Remove(id);
        _lastSeen.Remove(id);
        _dirty.Remove(id);
        _unvouched.Remove(id);
        _recheck.Remove(id);
    }

    private void Put(RegistryEntry entry, bool dirty)
    {
        var id = entry.Id;
        var old = _rows.GetValueOrDefault(id);
        if (old is not null)
        {
            _tally.Remove(old);
        }

        _rows[id] = entry;
        _tally.Add(entry);
        if (old is null)
        {
            _ids.Add(id);
        }

        if (old?.Status != entry.Status)
        {
            if (old is not null)
            {
                IdsOf(old.Status).Remove(id);
            }

            IdsOf(entry.Status).Add(id);
        }

        if (old?.Status != entry.Status || !string.Equals(old?.Silo, entry.Silo, StringComparison.Ordinal))
        {
            Vouch(entry);
            _recheck.Add(id);
        }

        if (dirty)
        {
            _dirty.Add(id);
        }
    }
    private static bool IsRunningOn(RegistryEntry entry, string silo) =>
        entry.Status == WorkerStatus.Running && string.Equals(entry.Silo, silo, StringComparison.Ordinal);

    /// <summary>When the silo whose set holds this running row was last heard; null if no set holds it.</summary>
    private DateTimeOffset? VouchedAt(RegistryEntry entry) =>
        entry is { Status: WorkerStatus.Running, Silo: { } silo } && _heartbeats.RunningOn(silo).Contains(entry.Id)
            ? _heard.GetValueOrDefault(silo)
            : null;

    /// <summary>Keeps <c>_unvouched</c> in step with <paramref name="entry"/>: a running row outside its silo's set.</summary>
    private void Vouch(RegistryEntry entry)
    {
        var id = entry.Id;
        if (entry.Status == WorkerStatus.Running && VouchedAt(entry) is null)
        {
            _unvouched.Add(id);
        }
        else
        {
            _unvouched.Remove(id);
        }
    }

    private bool Disagrees(string id, string silo) => _rows.TryGetValue(id, out var entry) && !IsRunningOn(entry, silo);

    /// <summary><paramref name="id"/> entered <paramref name="silo"/>'s set (<see cref="HeartbeatLedger"/>).</summary>
    private void Joined(string silo, string id)
    {
        _joined.Add(id);
        if (_rows.TryGetValue(id, out var entry) && IsRunningOn(entry, silo))
        {
            _unvouched.Remove(id);
        }
    }

    /// <summary><paramref name="id"/> left <paramref name="silo"/>'s set: from now on its own word is all that is heard of
    /// it, and it was last heard with the silo.</summary>
    private void Left(string silo, string id)
    {
        if (!_rows.TryGetValue(id, out var entry) || !IsRunningOn(entry, silo))
        {
            return;
        }

        _unvouched.Add(id);
        if (_heard.TryGetValue(silo, out var heard) && (!_lastSeen.TryGetValue(id, out var own) || heard > own))
        {
            _lastSeen[id] = heard;
        }
    }
}
