using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Overseer.Diagnostics;
using Overseer.Errors;
using Overseer.Hosting;
using Overseer.Models;
using Overseer.Placement;
using Overseer.Pool;
using Overseer.Supervision;

namespace Overseer.Registry;

/// <summary>One partition: its slice of the registry (in memory, persisted to Redis) and the supervision of its
/// workers — restore after a cluster restart, recovery after silo loss, stall detection, the pool queue, rebalancing.</summary>
/// <remarks>The grain holds the lifecycle, the timer and the grain calls; the decisions are its collaborators'
/// (<see cref="RegistrySlice"/>, <see cref="SupervisionScheduler"/>, <see cref="Rebalancer"/>, <see cref="PoolWaker"/>,
/// <see cref="PartitionGauges"/>), built per activation from the services injected here.
/// <para>Not on the event path: workers index on their own and only report status changes and heartbeats (one-way).
/// Interleaving: pokes, moves and pool checks run as background tasks on this activation's scheduler; they only touch
/// the collaborators in synchronous sections, so every change is atomic with respect to requests and ticks.
/// <c>RegisterAsync</c> and <c>RecordAsync</c> interleave too (<c>[AlwaysInterleave]</c> on the interface) under the
/// same invariant: they change the slice in one synchronous section and then only await their row's grouped write
/// (<see cref="RegistryGroupCommit"/>), so a partition no longer serialises every start behind one Redis round trip.</para></remarks>
[PartitionPlacement]
internal sealed partial class PartitionGrain(
    RegistryStore store,
    SlotPool slots,
    PoolSnapshot poolSnapshot,
    OverseerInstruments instruments,
    PartitionSnapshots partitionSnapshots,
    IOptions<OverseerOptions> overseer,
    IOptions<SupervisionOptions> supervision,
    IClusterMembershipService membership,
    ILocalSiloDetails localSilo,
    OverseerGrains grains,
    TimeProvider time,
    ILogger<PartitionGrain> logger) : Grain, IPartitionGrain, IPartitionViewGrain, IIncomingGrainCallFilter
{
    /// <summary>The most slowest workers one call may ask for.</summary>
    public const int MaxSlowest = 1000;

    /// <summary>How long reports of a deleted worker are dropped: far longer than any heartbeat or report in flight.</summary>
    private static readonly TimeSpan ForgottenFor = TimeSpan.FromMinutes(10);

    private readonly RegistrySlice _slice = new();
    private readonly SupervisionScheduler _scheduler = new(supervision.Value);
    private PokePump? _pump;
    private readonly Rebalancer _rebalancer = new(supervision.Value);
    private readonly PoolWaker _pool = new(slots, poolSnapshot, supervision.Value.PoolCheckInterval, overseer.Value.Partitions);
    private readonly PartitionGauges _gauges = new(instruments, partitionSnapshots, supervision.Value.GaugeInterval);
    private DateTimeOffset _lastFlush;

    /// <summary>Completes when every row is in the slice (faults if the load failed): calls wait for it, and so do the
    /// answers of pokes sent while later pages were still being read (restore begins with the first page).</summary>
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RegistryGroupCommit? _commits;

    private int Partition => (int)this.GetPrimaryKeyLong();

    private SupervisionOptions Options => supervision.Value;

    private PokePump Pump => _pump ??= new PokePump(_scheduler, PokeAsync);

    private RegistryGroupCommit Commits => _commits ??= new RegistryGroupCommit(batch => store.SaveAsync(Partition, batch), _slice.Saved);

    /// <summary>Starts loading the rows and returns: the load is not bounded by Orleans' activation timeout (30 s),
    /// which a partition of 125,000 rows (1,000,000 workers) outlasted on a loaded machine — the activation was
    /// cancelled, and the next call began the same load again, for ever. Calls wait for the load in
    /// <c>Invoke</c>; the timer starts once it is done.</summary>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _ = LoadAsync();
        return Task.CompletedTask;
    }

    /// <summary>Every call to this partition waits until its rows are loaded; if the load failed, the call fails and
    /// the partition deactivates, so that the next call loads again (as a failed activation did).</summary>
    async Task IIncomingGrainCallFilter.Invoke(IIncomingGrainCallContext context)
    {
        if (!_loaded.Task.IsCompletedSuccessfully)
        {
            try
            {
                await _loaded.Task;
            }
            catch (Exception ex)
            {
                Log.LoadFailed(logger, Partition, ex);
                this.DeactivateOnIdle();
                throw;
            }
        }

        await context.Invoke();
    }

    /// <remarks>Restore begins with the first page, not after the last: reading a partition of 12,500 rows takes about
    /// 1.5 s here, and the first of 100,000 restored workers used to commit 2 s after the silo was ready. Each page's
    /// workers that should run are brought at once; their pokes' answers wait for the whole load
    /// (<see cref="PokeAsync"/>), and the slice takes every row in one batch at the end, as before.</remarks>
    private async Task LoadAsync()
    {
        try
        {
            var rows = new Dictionary<string, RegistryEntry>(StringComparer.Ordinal);
            var restoring = 0;
            await foreach (var page in store.LoadPagesAsync(Partition))
            {
                var seen = time.GetUtcNow();
                foreach (var entry in page)
                {
                    // A row read twice (HSCAN during a rehash) is brought twice at most: the poke is idempotent.
                    rows[entry.Id] = entry;
                    if (entry.ShouldRun)
                    {
                        _scheduler.Bring(entry, seen);
                        restoring++;
                    }
                }

                PumpPokes();
            }

            var now = time.GetUtcNow();
            _slice.Load(rows.Values, now);
            Log.Loaded(logger, Partition, _slice.Count, restoring);
            _lastFlush = now;
            _scheduler.Start(now);
            this.RegisterGrainTimer(OnTickAsync, new GrainTimerCreationOptions(Options.PartitionTick, Options.PartitionTick) { KeepAlive = true });
            PumpPokes();
            _loaded.TrySetResult();
        }
        catch (Exception ex)
        {
            // Reported by the first call that waits for the load (Invoke), which then deactivates the partition.
            _loaded.TrySetException(ex);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _gauges.Withdraw(Partition);
        _pool.Withdraw(Partition);
        await FlushAsync();
    }

    public async Task RegisterAsync(string id, string source, CancellationToken cancellationToken = default)
    {
        if (WorkerIds.Validate(id) is { } problem)
        {
            throw OverseerException.Invalid(problem);
        }

        // A new worker's row is durable before the worker is asked to run: a full-cluster crash must find it.
        // Interleaves (AlwaysInterleave): the slice changes in this synchronous section, and the write is grouped
        // with every other row written through meanwhile (RegistryGroupCommit).
        if (_slice.Register(id, source, time.GetUtcNow()) is { } entry)
        {
            await Commits.CommitAsync(entry);
        }
    }

    public async Task RecordAsync(WorkerReport report, CancellationToken cancellationToken = default)
    {
        // The worker's own start or resume, written through before it returns: restore reads this row.
        var entry = _slice.Record(report, time.GetUtcNow());
        await Commits.CommitAsync(entry);
    }

    public async Task ForgetAsync(string id, CancellationToken cancellationToken = default)
    {
        _slice.Forget(id, time.GetUtcNow());
        await store.DeleteAsync(Partition, id);
        Log.Forgotten(logger, Partition, id);
    }

    public Task ReportAsync(WorkerReport report)
    {
        if (Take(report, time.GetUtcNow()))
        {
            PumpPokes();
        }

        return Task.CompletedTask;
    }

    public Task HeartbeatsAsync(WorkerHeartbeats heartbeats)
    {
        var now = time.GetUtcNow();
        var poked = false;
        foreach (var report in heartbeats.Changed)
        {
            poked |= Take(report, now);
        }

        poked |= HeardRunning(heartbeats.Running, heartbeats.Silo, now);
        if (poked)
        {
            PumpPokes();
        }

        return Task.CompletedTask;
    }

    public Task<HeartbeatAnswer> HeartbeatAsync(SiloHeartbeat heartbeat)
    {
        var now = time.GetUtcNow();
        var poked = false;
        foreach (var report in heartbeat.Changed)
        {
            poked |= Take(report, now);
        }

        // Every worker of the silo's set is heard, as when the set came whole in every heartbeat (the slice marks the silo
        // heard, not each worker); nothing is heard from a message not taken (the silo sends the whole set at once).
        var (answer, disagree) = _slice.TakeHeartbeat(heartbeat, now);
        foreach (var id in disagree)
        {
            // A row that disagrees with a run in progress lost a report: the poke's answer heals it.
            _scheduler.Poke(id);
            poked = true;
        }

        if (answer == HeartbeatAnswer.WholeSetWanted)
        {
            Log.WholeSetWanted(logger, Partition, heartbeat.Silo, heartbeat.Sequence);
        }

        if (poked)
        {
            PumpPokes();
        }

        return Task.FromResult(answer);
    }

    public Task WakeAsync(string id)
    {
        // Poked even if this slice no longer wants it to run: the poke then takes it out of the queue.
        _scheduler.Poke(id);
        PumpPokes();
        return Task.CompletedTask;
    }

    public Task<WorkerPage> ListAsync(WorkerQuery query, CancellationToken cancellationToken = default) =>
        Task.FromResult(_slice.List(query));

    public Task<ImmutableDictionary<WorkerStatus, int>> CountAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(_slice.Aggregate().ByStatus);

    public Task EnsureActiveAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task SiloDownAsync(string silo, CancellationToken cancellationToken = default)
    {
        _slice.SiloGone(silo);
        var now = time.GetUtcNow();
        var count = 0;
        foreach (var entry in _slice.Rows.Where(e => e.ShouldRun && e.Silo == silo))
        {
            // A worker in backoff on the lost silo lost its restart timer with it: poke it at its restart time.
            _scheduler.Bring(entry, now);
            count++;
        }

        if (count > 0)
        {
            Log.SiloDown(logger, Partition, silo, count);
            PumpPokes();
        }

        return Task.CompletedTask;
    }

    public Task<PartitionLoad> GetLoadAsync(int slowest = 0, CancellationToken cancellationToken = default)
    {
        if (slowest is < 0 or > MaxSlowest)
        {
            throw OverseerException.Invalid($"invalid slowest count {slowest}: expected 0..{MaxSlowest}");
        }

        var totals = _slice.Aggregate();
        return Task.FromResult(new PartitionLoad
        {
            Partition = Partition,
            // The same format as WorkerInfo.Silo (WorkerGrain), so partitions and workers count against one silo.
            Silo = localSilo.SiloAddress.Endpoint.ToString(),
            RunningBySilo = totals.RunningBySilo,
            Checkpoints = totals.Checkpoints,
            Failovers = totals.Failovers,
            Slowest = SlowestWorkers.Top(_slice.Running, slowest),
        });
    }

    public Task<RegistryTotals> GetTotalsAsync(CancellationToken cancellationToken = default)
    {
        var totals = _slice.Aggregate();
        return Task.FromResult(new RegistryTotals(totals.ByStatus, totals.Checkpoints, totals.Lag, totals.LagKnown, totals.Failovers, Partitions: 1));
    }

    private async Task OnTickAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var silent in _scheduler.Tick(_slice, now))
        {
            Log.Silent(logger, Partition, silent, Options.StallTimeout.TotalSeconds);
        }

        _slice.PruneForgotten(now, ForgottenFor);
        if (_pool.StartCheck(now))
        {
            WakeQueuedAsync().Ignore();
        }

        PumpPokes();
        RebalanceIfDue(now);
        _gauges.PublishIfDue(Partition, _slice, now);
        if (now - _lastFlush >= Options.RegistryFlushInterval)
        {
            _lastFlush = now;
            await FlushAsync();
        }
    }

    /// <summary><paramref name="silo"/> says these workers have a run in progress there; true if one asks for a poke (the
    /// caller pumps).</summary>
    private bool HeardRunning(IEnumerable<string> running, string silo, DateTimeOffset now)
    {
        var poked = false;
        foreach (var id in running)
        {
            // A row that disagrees with a run in progress lost a report: the poke's answer heals it.
            if (_slice.SeenRunning(id, silo, now))
            {
                _scheduler.Poke(id);
                poked = true;
            }
        }

        return poked;
    }

    /// <summary>Takes one worker's report; true if it asks for a poke (the caller pumps).</summary>
    private bool Take(WorkerReport report, DateTimeOffset now)
    {
        var id = report.Info.Id;
        _slice.Seen(id, now);
        // A worker in backoff restarts on its own timer; only one going away is brought back from here.
        if (_slice.Apply(report, now) && report.Detached && _slice.Find(id) is { ShouldRun: true })
        {
            _scheduler.Poke(id);
            return true;
        }

        return false;
    }

    private void PumpPokes() => Pump.Pump();

    private async Task PokeAsync(string id)
    {
        try
        {
            using var timeout = new CancellationTokenSource(Options.PokeTimeout);
            var info = await grains.Worker(id).EnsureRunningAsync(timeout.Token);
            await _loaded.Task;
            var now = time.GetUtcNow();
            if (info is not null)
            {
                _slice.ApplyAnswer(info, now);
            }
            else if (_slice.RemoveIfNeverStarted(id, now, Options.UnknownWorkerGrace))
            {
                await store.DeleteAsync(Partition, id);
                Log.Removed(logger, Partition, id);
            }
        }
        catch (Exception ex)
        {
            // The stall scan pokes again later.
            Log.PokeFailed(logger, Partition, id, ex);
        }
    }

    private async Task WakeQueuedAsync()
    {
        try
        {
            foreach (var id in await _pool.CheckAsync(Partition, CancellationToken.None))
            {
                _scheduler.Poke(id);
            }

            PumpPokes();
        }
        catch (Exception ex)
        {
            Log.PoolCheckFailed(logger, Partition, ex);
        }
    }

    private void RebalanceIfDue(DateTimeOffset now)
    {
        if (!_rebalancer.StartRound(now))
        {
            return;
        }

        var active = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => m.SiloAddress)
            .ToList();
        if (active.Count == 0)
        {
            return;
        }

        if (_rebalancer.HomeToMoveTo(Partition, active, localSilo.SiloAddress) is { } home)
        {
            Log.MovingHome(logger, Partition, home.ToString());
            this.MigrateOnIdle();
            return;
        }

        var moves = _rebalancer.PlanMoves(_slice.Rows, active, now);
        if (moves.Count == 0)
        {
            return;
        }

        Log.Rebalancing(logger, Partition, moves.Count, active.Count);
        foreach (var move in moves)
        {
            MoveAsync(move).Ignore();
        }
    }

    private async Task MoveAsync(WorkerMove move)
    {
        try
        {
            using var timeout = new CancellationTokenSource(Options.PokeTimeout);
            await grains.Worker(move.Id).MoveToAsync(move.Target, timeout.Token);
        }
        catch (Exception ex)
        {
            _rebalancer.MoveFailed(move.Id);
            Log.MoveFailed(logger, Partition, move.Id, ex);
        }
    }

    private async Task FlushAsync()
    {
        var batch = _slice.TakeDirty();
        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            await store.SaveAsync(Partition, batch);
        }
        catch (Exception ex)
        {
            Log.FlushFailed(logger, Partition, batch.Count, ex);
            _slice.SaveFailed(batch);
        }
    }
}
