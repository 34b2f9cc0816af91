using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using Orleans.Storage;
using Overseer.Errors;
using Overseer.Hosting;
using Overseer.Models;
using Overseer.Registry;
using Overseer.Sinks;
using Overseer.Sources;
using Overseer.Supervision;

namespace Overseer.Workers;

/// <summary>One worker: runs its source into its sink from the checkpoint, and applies its restart policy when the
/// run ends. A crash ends the activation (in-memory state is gone); the partition brings it back after the backoff.</summary>
/// <remarks>Interleaving: the run loop is a background task on this activation's scheduler, so its turns interleave
/// with requests at await points (never in parallel). Invariants: only <see cref="StartRun"/> creates a run and
/// only when none is active; every state write goes through <see cref="PersistAsync"/> (one at a time);
/// <see cref="WorkerState.WantsRun"/> is checked after every await that precedes a status change, so stop wins.</remarks>
/// <remarks>Placement: random, so workers spread over the silos whatever silo starts or restarts them (activation
/// count placement piled bursts of starts onto one silo: its load statistics lag); partitions then even out the
/// spread and move surplus workers to a silo that joins (see <see cref="MoveToAsync"/>).</remarks>
[RandomPlacement]
public sealed partial class WorkerGrain(
    [PersistentState("worker", StorageNames.Workers)] IPersistentState<WorkerState> state,
    IEventSink sink,
    SourceCatalog sources,
    IOptions<SupervisionOptions> supervision,
    IOptions<OverseerOptions> overseer,
    ILocalSiloDetails silo,
    TimeProvider time,
    ILogger<WorkerGrain> logger) : Grain, IWorkerGrain
{
    private const int MaxEventsPerRead = 10_000;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly CancellationTokenSource _lifetime = new();
    private CancellationTokenSource? _runCts;
    private Task? _run;
    private IGrainTimer? _heartbeat;
    private ISourceHandlerStatus? _handler;
    private long _checkpoint;
    private long _generation;
    private bool _fenced;
    private long _reportSeq;

    private string Id => this.GetPrimaryKeyString();

    private WorkerState S => state.State;

    private bool IsRunning => _run is { IsCompleted: false };

    private bool IsLive => S.Status is WorkerStatus.Pending or WorkerStatus.Running or WorkerStatus.Backoff;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _checkpoint = S.Checkpoint;
        if (WorkerIds.Validate(Id) is null && S.Spec is not null && S.WantsRun && IsDue())
        {
            // Reactivated after a silo loss, a graceful hand-off or a backoff: resume from the checkpoint.
            StartRun(persistFirst: S.Status != WorkerStatus.Running);
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _heartbeat?.Dispose();
        var wasRunning = IsRunning;
        Log.Deactivating(logger, Id, reason.ReasonCode.ToString(), _checkpoint);
        await CancelRunAsync(cancellationToken);
        if (wasRunning && !_fenced && S.Spec is not null && S.WantsRun)
        {
            S.Checkpoint = _checkpoint;
            try
            {
                await PersistAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The next activation re-reads the authoritative checkpoint from the sink.
            }

            Report(detached: true);
        }

        _lifetime.Cancel();
    }

    public Task<WorkerInfo> StartAsync(WorkerSpec spec, CancellationToken cancellationToken = default) =>
        StartAsync(spec, StartMode.Queue, cancellationToken);

    public async Task<WorkerInfo> StartAsync(WorkerSpec spec, StartMode mode, CancellationToken cancellationToken = default)
    {
        EnsureValidId();
        sources.Validate(spec);
        if (S.Spec is not null && S.Spec.IsEquivalentTo(spec))
        {
            // Idempotent: the same start again changes nothing (use resume to run a finished worker again).
            return IsLive ? await EnsureRunningCoreAsync(mode) : Info();
        }

        if (S.Spec is not null && IsLive)
        {
            throw OverseerException.Conflict(
                $"worker '{Id}' is {S.Status.ToString().ToLowerInvariant()} with a different spec ({S.Spec.Describe()}); "
                + $"requested ({spec.Describe()}): stop it first, or use another id");
        }

        return await RunWithFreshBudgetAsync(mode, () =>
        {
            if (S.Spec is null)
            {
                S.CreatedAt = time.GetUtcNow();
            }

            S.Spec = spec;
        });
    }

    public async Task<WorkerInfo> StopAsync(CancellationToken cancellationToken = default)
    {
        EnsureExists();
        S.WantsRun = false;
        await CancelRunAsync(CancellationToken.None);
        if (IsLive)
        {
            S.Status = WorkerStatus.Stopped;
        }

        // Claiming the cursor fences every other activation of this worker (a duplicate left by a membership change
        // can no longer commit), and its checkpoint is the truth even if a commit abandoned by the cancellation landed.
        var cursor = await RetryRedisAsync(() => sink.ClaimAsync(Id, _lifetime.Token), _lifetime.Token);
        _generation = cursor.Generation;
        _checkpoint = Math.Max(_checkpoint, cursor.Checkpoint);
        void ApplyStop()
        {
            S.WantsRun = false;
            if (IsLive)
            {
                S.Status = WorkerStatus.Stopped;
            }

            S.NextRestartAt = null;
            S.Checkpoint = Math.Max(S.Checkpoint, _checkpoint);
        }

        ApplyStop();
        await PersistAsync(reapply: ApplyStop);
        Report();
        await ReleaseSlotAsync();
        Log.Stopped(logger, Id, _checkpoint);
        return Info();
    }

    public async Task<WorkerInfo> ResumeAsync(CancellationToken cancellationToken = default)
    {
        EnsureExists();
        if (IsRunning)
        {
            return Info();
        }

        return await RunWithFreshBudgetAsync(StartMode.Queue);
    }

    public Task<WorkerInfo> GetInfoAsync(CancellationToken cancellationToken = default)
    {
        EnsureExists();
        return Task.FromResult(Info());
    }

    public async Task<ImmutableArray<WorkerEvent>> GetEventsAsync(long fromSeq, int count, CancellationToken cancellationToken = default)
    {
        EnsureExists();
        if (fromSeq < 1)
        {
            throw OverseerException.Invalid($"invalid from {fromSeq}: sequence numbers start at 1");
        }

        if (count is < 1 or > MaxEventsPerRead)
        {
            throw OverseerException.Invalid($"invalid count {count}: expected 1..{MaxEventsPerRead} per call (page for more)");
        }

        var events = await sink.ReadAsync(Id, fromSeq, count, cancellationToken);
        return [.. events.Select(e => new WorkerEvent(e.Seq, e.Payload))];
    }

    public Task MoveToAsync(SiloAddress target, CancellationToken cancellationToken = default)
    {
        if (!IsRunning || _fenced || !S.WantsRun || target.Equals(silo.SiloAddress))
        {
            return Task.CompletedTask;
        }

        // Migration captures the request context; the placement hint makes the target the new home. The run stops
        // and the checkpoint is saved in OnDeactivateAsync; the new activation resumes in OnActivateAsync.
        Log.Moving(logger, Id, target.ToString(), _checkpoint);
        RequestContext.Set(IPlacementDirector.PlacementHintKey, target);
        try
        {
            this.MigrateOnIdle();
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }

        return Task.CompletedTask;
    }

    public async Task<WorkerInfo?> EnsureRunningAsync(CancellationToken cancellationToken = default)
    {
        if (WorkerIds.Validate(Id) is not null || S.Spec is null)
        {
            // A stale pool entry (an id that was queued but has no worker) must not block the queue's head.
            await ReleaseSlotAsync();
            DeactivateOnIdle();
            return null;
        }

        if (!S.WantsRun || !IsLive)
        {
            // Idempotent: a worker that should not run holds no slot and has no place in the queue.
            await ReleaseSlotAsync();
        }

        return await EnsureRunningCoreAsync(StartMode.Queue);
    }

    private async Task<WorkerInfo> EnsureRunningCoreAsync(StartMode mode)
    {
        if (!S.WantsRun || !IsLive || IsRunning || !IsDue())
        {
            return Info();
        }

        var grant = await AcquireSlotAsync(mode);
        if (!grant.Granted)
        {
            if (mode == StartMode.Try)
            {
                throw PoolFull(grant);
            }

            if (S.Status != WorkerStatus.Pending)
            {
                S.Status = WorkerStatus.Pending;
                S.NextRestartAt = null;
                await PersistAsync();
                Report();
            }

            return Info();
        }

        if (!S.WantsRun || IsRunning)
        {
            return Info();
        }

        var changed = S.Status != WorkerStatus.Running;
        S.Status = WorkerStatus.Running;
        S.NextRestartAt = null;
        if (changed)
        {
            await PersistAsync();
        }

        if (!IsRunning && S.WantsRun)
        {
            StartRun(persistFirst: false);
            Report();
        }

        return Info();
    }

    /// <summary>Start or resume: desired state running, a fresh restart budget, durable before the run starts. With a
    /// full pool the worker is queued as Pending, or (<see cref="StartMode.Try"/>) refused before anything changes.</summary>
    private async Task<WorkerInfo> RunWithFreshBudgetAsync(StartMode mode, Action? apply = null)
    {
        var grant = await AcquireSlotAsync(mode);
        if (!grant.Granted && mode == StartMode.Try)
        {
            throw PoolFull(grant);
        }

        apply?.Invoke();
        S.WantsRun = true;
        S.Status = grant.Granted ? WorkerStatus.Running : WorkerStatus.Pending;
        S.NextRestartAt = null;
        S.RestartHistory.Clear();
        await PersistAsync();
        if (grant.Granted)
        {
            StartRun(persistFirst: false);
        }

        Report();
        return Info();
    }

    private bool IsDue() =>
        S.Status switch
        {
            WorkerStatus.Running or WorkerStatus.Pending => true,
            WorkerStatus.Backoff => S.NextRestartAt is not { } at || at <= time.GetUtcNow(),
            _ => false,
        };

    private void StartRun(bool persistFirst)
    {
        var previous = S.Status;
        S.Status = WorkerStatus.Running;
        S.NextRestartAt = null;
        _runCts = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        CaptureRunOrigin();
        _run = RunAsync(persistFirst && previous != WorkerStatus.Running, _runCts.Token);
        var interval = supervision.Value.HeartbeatInterval;
        _heartbeat ??= this.RegisterGrainTimer(
            HeartbeatAsync,
            new GrainTimerCreationOptions(interval, interval) { KeepAlive = true });
    }

    private async Task RunAsync(bool persistFirst, CancellationToken cancellationToken)
    {
        try
        {
            if (!_slotHeld && !(await AcquireSlotAsync(StartMode.Queue)).Granted)
            {
                // Reactivated (restore, recovery, backoff over) but the pool is full: wait for a slot.
                await QueueAsync();
                return;
            }

            if (persistFirst)
            {
                await PersistWithRetryAsync();
                Report();
            }

            var factory = sources.Resolve(S.Spec!.Source);
            var cursor = await RetryRedisAsync(() => sink.ClaimAsync(Id, cancellationToken), cancellationToken);
            _generation = cursor.Generation;
            _checkpoint = cursor.Checkpoint;
            Log.RunStarted(logger, Id, _checkpoint, _generation);
            await using var source = factory.Create(new SourceContext(Id, S.Spec.Options));
            _handler = source as ISourceHandlerStatus;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var span = StartBatchSpan();
                var batch = await FetchTracedAsync(source, cancellationToken);
                if (batch.Events.Count > 0)
                {
                    var expected = _checkpoint;
                    // One commit is never abandoned halfway (Redis' own timeout bounds it); only the retries are cancellable.
                    var result = await CommitTracedAsync(expected, batch.Events.Count, () => RetryRedisAsync(
                        () => sink.CommitAsync(Id, _generation, expected, batch.Events, CancellationToken.None), cancellationToken));
                    if (result.Outcome == CommitOutcome.Fenced)
                    {
                        Log.Fenced(logger, Id, _generation);
                        _fenced = true;
                        DeactivateOnIdle();
                        return;
                    }

                    _checkpoint = result.Checkpoint;
                }

                if (batch.Exhausted)
                {
                    FoldHandlerCounts();
                    await ExitAsync(ExitKind.Completed, error: null);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped or deactivating: whatever was committed stays committed.
        }
        catch (Exception ex) when (!_fenced)
        {
            FoldHandlerCounts();
            Log.Crashed(logger, Id, _checkpoint, ex.Message);
            await ExitAsync(ExitKind.Crash, ex.Message);
        }
        finally
        {
            FoldHandlerCounts();
        }
    }

    /// <summary>Moves the finished source's failover count into the persisted total (once).</summary>
    private void FoldHandlerCounts()
    {
        if (_handler is { } handler)
        {
            S.Failovers += handler.Failovers;
            _handler = null;
        }
    }

    /// <summary>The supervisor's decision after a run ended by itself (crash or completion).</summary>
    private async Task ExitAsync(ExitKind exit, string? error)
    {
        if (!S.WantsRun || _fenced)
        {
            return;
        }

        var now = time.GetUtcNow();
        var limits = Limits();
        var decision = RestartDecider.Decide(exit, S.Spec!.Restart, S.RestartHistory, limits, now, Random.Shared.NextDouble());
        S.Checkpoint = _checkpoint;
        S.RestartHistory.RemoveAll(at => now - at >= limits.Window);
        if (decision.Restarts)
        {
            S.RestartHistory.Add(now);
            S.Restarts++;
            S.Status = WorkerStatus.Backoff;
            S.NextRestartAt = now + decision.Delay;
            S.LastError = error ?? S.LastError;
        }
        else
        {
            S.Status = decision.Status;
            S.NextRestartAt = null;
            if (decision.Status == WorkerStatus.Failed)
            {
                S.LastError = error is null ? decision.Reason : $"{error} ({decision.Reason})";
            }
        }

        Log.Exited(logger, Id, exit.ToString(), S.Status, decision.Delay);
        _heartbeat?.Dispose();
        _heartbeat = null;
        await PersistWithRetryAsync();
        RecordExit(exit, decision);
        Report();
        if (decision.Restarts)
        {
            await HoldSlotThroughBackoffAsync(decision.Delay);
        }
        else
        {
            await ReleaseSlotAsync();
        }

        if (decision.Restarts)
        {
            // A crash loses the in-memory state: the partition reactivates the worker when the backoff is over.
            DeactivateOnIdle();
        }
    }

    private RestartLimits Limits()
    {
        var o = supervision.Value;
        return new RestartLimits(S.Spec?.MaxRestarts ?? o.MaxRestarts, S.Spec?.RestartWindow ?? o.RestartWindow, o.BackoffMin, o.BackoffMax);
    }

    private async Task CancelRunAsync(CancellationToken cancellationToken)
    {
        if (_runCts is null || _run is null)
        {
            return;
        }

        await _runCts.CancelAsync();
        try
        {
            await _run.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            // The run observes cancellation at its next await; a commit in flight is atomic either way.
        }
    }

    private async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        if (IsRunning)
        {
            Report();
            await RenewSlotAsync();
        }
    }

    private void Report(bool detached = false)
    {
        var partition = WorkerPartitioner.PartitionOf(Id, overseer.Value.Partitions);
        GrainFactory.GetGrain<IPartitionGrain>(partition).ReportAsync(new WorkerReport(Info(), S.WantsRun, detached)).Ignore();
    }

    private WorkerInfo Info() => new()
    {
        Id = Id,
        Status = S.Status,
        Checkpoint = Math.Max(_checkpoint, S.Checkpoint),
        Restarts = S.Restarts,
        Silo = silo.SiloAddress.Endpoint.ToString(),
        Source = S.Spec?.Source ?? "",
        LastError = S.LastError,
        Restart = S.Spec?.Restart ?? RestartPolicy.Transient,
        NextRestartAt = S.NextRestartAt,
        UpdatedAt = S.UpdatedAt,
        Handler = IsRunning ? _handler?.Handler : null,
        Failovers = S.Failovers + (_handler?.Failovers ?? 0),
        Head = _handler?.Head,
        Version = (S.Writes << 20) | Math.Min(++_reportSeq, (1L << 20) - 1),
    };

    /// <summary>Writes the state. On an ETag conflict: a <paramref name="reapply"/> (a user command) re-reads the
    /// stored state and applies itself again; the activation that holds the sink's current generation (the one
    /// running the worker) keeps its state and takes the stored ETag (it was stale, e.g. carried by a migration);
    /// any other activation is stale and deactivates.</summary>
    private async Task PersistAsync(Action? reapply = null)
    {
        await _writeGate.WaitAsync();
        try
        {
            S.UpdatedAt = time.GetUtcNow();
            S.Writes++;
            var conflict = false;
            try
            {
                await state.WriteStateAsync();
            }
            catch (InconsistentStateException) when (!_fenced)
            {
                conflict = true;
            }

            if (conflict)
            {
                if (reapply is null && !await OwnsCursorAsync())
                {
                    throw new InconsistentStateException($"worker '{Id}': another activation holds the cursor and wrote the state first");
                }

                var mine = S;
                await state.ReadStateAsync();
                if (reapply is not null)
                {
                    reapply();
                }
                else
                {
                    state.State = mine;
                }

                S.UpdatedAt = time.GetUtcNow();
                S.Writes = Math.Max(S.Writes, mine.Writes) + 1;
                await state.WriteStateAsync();
            }

            _reportSeq = 0;
        }
        catch (InconsistentStateException ex)
        {
            // Another activation of this worker wrote first: this one is stale.
            Log.StateConflict(logger, Id, ex);
            _fenced = true;
            _runCts?.Cancel();
            DeactivateOnIdle();
            throw;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task<bool> OwnsCursorAsync() =>
        _generation != 0 && (await sink.GetCursorAsync(Id, _lifetime.Token)).Generation == _generation;

    private async Task PersistWithRetryAsync()
    {
        await RetryRedisAsync(async () => { await PersistAsync(); return true; }, _lifetime.Token);
    }

    private async Task<T> RetryRedisAsync<T>(Func<Task<T>> operation, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                return await operation();
            }
            catch (Exception ex) when (RedisFaults.IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                Log.RedisUnavailable(logger, Id, delay, ex);
                await Task.Delay(delay, time, cancellationToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
            }
        }
    }

    private void EnsureValidId()
    {
        if (WorkerIds.Validate(Id) is { } problem)
        {
            throw OverseerException.Invalid(problem);
        }
    }

    private void EnsureExists()
    {
        EnsureValidId();
        if (S.Spec is null)
        {
            DeactivateOnIdle();
            throw OverseerException.Unknown(Id);
        }
    }
}
