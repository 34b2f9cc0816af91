using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using Overseer.Errors;
using Overseer.Models;
using Overseer.Registry;
using Overseer.Sinks;
using Overseer.Supervision;

namespace Overseer.Workers;

/// <summary>One worker: the grain interface and the activation's lifecycle. It owns its supervision — a crash ends the
/// run, not the activation: the restart decision is applied here and the next run starts from the checkpoint after the
/// backoff (at once for 0), with the same cursor generation, so no re-claim and no partition round trip.</summary>
/// <remarks>
/// Collaborators: <see cref="WorkerStateMachine"/> (every status change), <see cref="WorkerRun"/> (one run's
/// fetch/commit loop), <see cref="WorkerStateWriter"/> (the ETag rule), <see cref="SlotLease"/> (the pool),
/// <see cref="RunTelemetry"/>. The partition is informed by one-way reports and only does what a worker cannot do for
/// itself: stall detection, silo-loss recovery, restore and the pool queue.
/// Interleaving: the supervision loop is a background task on this activation's scheduler, so its turns interleave
/// with requests at await points (never in parallel). Invariants: at most one supervision loop (<see cref="BeginRun"/>);
/// every state write goes through the writer (one at a time); the loop re-checks its cancellation after every await
/// that precedes a status change, and stop cancels it first, so stop wins.
/// Ownership: the activation claims the cursor before its first run (a stop, start or resume takes a new generation
/// too); that generation fences every older activation's commits and state writes, and ranks its reports.
/// Placement: random, so workers spread over the silos whatever silo starts or restarts them; partitions then even
/// out the spread (see <see cref="MoveToAsync"/>).
/// </remarks>
[RandomPlacement]
public sealed partial class WorkerGrain(
    [PersistentState("worker", StorageNames.Workers)] IPersistentState<WorkerState> state,
    WorkerServices services,
    ILogger<WorkerGrain> logger) : Grain, IWorkerGrain
{
    private const int MaxEventsPerRead = 10_000;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly WorkerStateWriter _writer = new(state, services.Sink, services.Retry, services.Time);
    private readonly SlotLease _lease = new(services.Slots, services.Pool, services.Retry);
    private readonly RunTelemetry _telemetry = new(services.Instruments);
    private CancellationTokenSource? _runCts;
    private Task? _supervision;
    private WorkerRun? _run;
    private IGrainTimer? _heartbeat;
    private IGrainTimer? _restart;
    private long _generation;
    private SinkCursor _cursor;
    private long _seenGeneration;
    private long _reportSeq;
    private string? _runError;
    private bool _fenced;

    private string Id => this.GetPrimaryKeyString();

    private WorkerState S => state.State;

    private bool IsRunning => _supervision is { IsCompleted: false };

    private long Checkpoint => Math.Max(S.Checkpoint, _run?.Checkpoint ?? 0);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (WorkerIds.Validate(Id) is null && WorkerStateMachine.ShouldRun(S))
        {
            // Reactivated after a silo loss, a move, a graceful hand-off or a restore: resume from the checkpoint.
            ResumeSupervision();
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A run, or a restart waiting out its backoff: either way the worker must come back elsewhere.
        var supervised = IsRunning || _restart is not null;
        StopTimers();
        Log.Deactivating(logger, Id, reason.ReasonCode.ToString(), Checkpoint);
        await CancelRunAsync(cancellationToken);
        if (supervised && !_fenced && WorkerStateMachine.ShouldRun(S))
        {
            // A move or a graceful shutdown is not an exit: the slot stays held (its lease runs on) and the next
            // activation resumes from the cursor.
            WorkerStateMachine.Advance(S, Checkpoint);
            try
            {
                await _writer.WriteAsync(Id, _generation, reapply: null, cancellationToken);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The next activation re-reads the authoritative checkpoint from the sink.
            }

            Report(detached: true);
        }

        _lease.Forget();
        _lifetime.Cancel();
    }

    public Task<WorkerInfo> StartAsync(WorkerSpec spec, CancellationToken cancellationToken = default) =>
        StartAsync(spec, StartMode.Queue, cancellationToken);

    public async Task<WorkerInfo> StartAsync(WorkerSpec spec, StartMode mode, CancellationToken cancellationToken = default)
    {
        EnsureValidId();
        services.Sources.Validate(spec);
        if (S.Spec is not null && S.Spec.IsEquivalentTo(spec))
        {
            // Idempotent: the same start again changes nothing (use resume to run a finished worker again).
            if (!WorkerStateMachine.ShouldRun(S))
            {
                return Info();
            }

            if (mode == StartMode.Try && !IsRunning && !_lease.Held)
            {
                var grant = await _lease.AcquireAsync(Id, StartMode.Try, _lifetime.Token);
                if (!grant.Granted)
                {
                    throw PoolFull(grant);
                }
            }

            return EnsureSupervised();
        }

        if (S.Spec is not null && S.Status.IsLive())
        {
            throw OverseerException.Conflict(
                $"worker '{Id}' is {S.Status.ToString().ToLowerInvariant()} with a different spec ({S.Spec.Describe()}); "
                + $"requested ({spec.Describe()}): stop it first, or use another id");
        }

        return await RunWithFreshBudgetAsync(mode, spec);
    }

    public async Task<WorkerInfo> StopAsync(CancellationToken cancellationToken = default)
    {
        EnsureExists();

        // Stop wins: the loop sees it at its next await, and the sink's stop fences every activation anywhere in the
        // same atomic step that records it — before anything else can interleave.
        WorkerStateMachine.Stop(S, Checkpoint);
        _runCts?.Cancel();
        CancelRestart();
        var cursor = await services.Retry.ExecuteAsync(Id, ct => services.Sink.StopAsync(Id, ct), _lifetime.Token);
        Own(cursor);
        await CancelRunAsync(CancellationToken.None);
        void ApplyStop(WorkerState s) => WorkerStateMachine.Stop(s, cursor.Checkpoint);
        ApplyStop(S);
        await _writer.WriteAsync(Id, _generation, ApplyStop, _lifetime.Token);
        StopTimers();
        Report();
        await ReleaseSlotAsync();
        Log.Stopped(logger, Id, S.Checkpoint);
        return Info();
    }

    public async Task<WorkerInfo> ResumeAsync(CancellationToken cancellationToken = default)
    {
        EnsureExists();
        if (IsRunning)
        {
            return Info();
        }

        return await RunWithFreshBudgetAsync(StartMode.Queue, spec: null);
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

        var events = await services.Sink.ReadAsync(Id, fromSeq, count, cancellationToken);
        return [.. events.Select(e => new WorkerEvent(e.Seq, e.Payload))];
    }

    public Task MoveToAsync(SiloAddress target, CancellationToken cancellationToken = default)
    {
        if (!IsRunning || _fenced || !WorkerStateMachine.ShouldRun(S) || target.Equals(services.Silo.SiloAddress))
        {
            return Task.CompletedTask;
        }

        // Migration captures the request context; the placement hint makes the target the new home. The run stops and
        // the checkpoint is saved in OnDeactivateAsync; the new activation claims the cursor and resumes.
        Log.Moving(logger, Id, target.ToString(), Checkpoint);
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

        if (!WorkerStateMachine.ShouldRun(S))
        {
            // Idempotent: a worker that should not run holds no slot and has no place in the queue.
            await ReleaseSlotAsync();
            return Info();
        }

        return EnsureSupervised();
    }

    /// <summary>Makes sure a worker that should run is running or scheduled to.</summary>
    private WorkerInfo EnsureSupervised()
    {
        if (!IsRunning && _restart is null)
        {
            ResumeSupervision();
        }

        return Info();
    }

    /// <summary>Start or resume: a fresh restart budget and a new cursor generation (clearing a stop), durable before it
    /// returns. With a full pool the worker is queued as Pending, or (<see cref="StartMode.Try"/>) refused before
    /// anything changes.</summary>
    private async Task<WorkerInfo> RunWithFreshBudgetAsync(StartMode mode, WorkerSpec? spec)
    {
        var grant = await _lease.AcquireAsync(Id, mode, _lifetime.Token);
        if (!grant.Granted && mode == StartMode.Try)
        {
            throw PoolFull(grant);
        }

        if (!grant.Granted && grant.Position > 0)
        {
            Log.Queued(logger, Id, grant.Position);
        }

        RecordWait(grant);
        CancelRestart();
        await CancelRunAsync(CancellationToken.None);
        var cursor = await services.Retry.ExecuteAsync(Id, ct => services.Sink.ClaimAsync(Id, start: true, ct), _lifetime.Token);
        Own(cursor);
        var now = services.Time.GetUtcNow();
        void ApplyStart(WorkerState s) => WorkerStateMachine.Start(s, spec, cursor.Checkpoint, grant.Granted, now);
        ApplyStart(S);
        await _writer.WriteAsync(Id, _generation, ApplyStart, _lifetime.Token);
        if (grant.Granted)
        {
            BeginRun();
        }

        Report();
        return Info();
    }

    /// <summary>Continues supervision of a worker that should run: after its backoff, or now.</summary>
    private void ResumeSupervision()
    {
        var now = services.Time.GetUtcNow();
        if (S.Status == WorkerStatus.Backoff && S.NextRestartAt is { } at && at > now)
        {
            ScheduleRestart(at - now);
        }
        else
        {
            BeginRun();
        }
    }

    /// <summary>Starts the supervision loop unless one is active.</summary>
    private void BeginRun()
    {
        if (IsRunning || _fenced || !WorkerStateMachine.ShouldRun(S))
        {
            return;
        }

        _runCts = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        _telemetry.CaptureOrigin();
        _supervision = SuperviseAsync(_runCts.Token);
    }

    /// <summary>Runs, applies the restart decision, and runs again while the backoff is 0; a longer backoff is a one-shot
    /// timer. Ends when the worker completes, fails, is stopped, queued or fenced.</summary>
    private async Task SuperviseAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var exit = await RunOnceAsync(cancellationToken);
                if (cancellationToken.IsCancellationRequested || exit is RunExit.Cancelled)
                {
                    return;
                }

                switch (exit)
                {
                    case RunExit.Fenced:
                        Fence();
                        return;
                    case RunExit.SlotLost:
                        Log.SlotLost(logger, Id, Checkpoint);
                        await QueueAsync(cancellationToken);
                        return;
                }

                var kind = exit == RunExit.Completed ? ExitKind.Completed : ExitKind.Crash;
                var decision = await ExitAsync(kind, _runError, cancellationToken);
                if (decision is not { Restarts: true } || cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                if (decision.Delay > TimeSpan.Zero)
                {
                    ScheduleRestart(decision.Delay);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (StaleActivationException ex)
        {
            Log.StateConflict(logger, Id, ex);
            Fence();
        }
        catch (Exception ex)
        {
            // Not an exit of the worker (those are decided above): this activation cannot go on, and its partition's
            // stall detection brings the worker back in a fresh one.
            Log.SupervisionFailed(logger, Id, ex);
            StopTimers();
            DeactivateOnIdle();
        }
    }

    /// <summary>One run: owns the cursor (claiming it on this activation's first run), holds a slot, then fetches and
    /// commits until the run ends.</summary>
    private async Task<RunExit> RunOnceAsync(CancellationToken cancellationToken)
    {
        if (_generation == 0)
        {
            var claimed = await services.Retry.ExecuteAsync(Id, ct => services.Sink.ClaimAsync(Id, start: false, ct), cancellationToken);
            if (claimed.Stopped)
            {
                // Stopped while this activation was not looking (its state was read before the stop was written).
                SeeGeneration(claimed.Generation);
                WorkerStateMachine.Stop(S, claimed.Checkpoint);
                StopTimers();
                Report();
                return RunExit.Cancelled;
            }

            Own(claimed);
        }

        // A restart in this activation resumes from the cursor as the last run left it: every commit's outcome is known
        // (retried until Redis answers, or refused before anything was written), and if another activation took the
        // cursor since, the first commit is fenced.
        var cursor = _cursor;
        if (!_lease.Held)
        {
            var grant = await _lease.AcquireAsync(Id, StartMode.Queue, cancellationToken);
            RecordWait(grant);
            if (!grant.Granted)
            {
                // Reactivated (restore, recovery, backoff over) but the pool is full: wait for a slot.
                WorkerStateMachine.Advance(S, cursor.Checkpoint);
                await QueueAsync(cancellationToken);
                return RunExit.Cancelled;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        WorkerStateMachine.RunStarted(S);
        WorkerStateMachine.Advance(S, cursor.Checkpoint);
        var factory = services.Sources.Resolve(S.Spec!.Source);
        var run = new WorkerRun(Id, S.Spec, factory, _generation, cursor, services.Sink, services.Retry, _lease, _telemetry);
        _run = run;
        EnsureHeartbeat();
        Log.RunStarted(logger, Id, cursor.Checkpoint, _generation);
        Report();
        var exit = await run.RunAsync(cancellationToken);
        _cursor = _cursor with { Checkpoint = run.Checkpoint, Token = run.Token };
        WorkerStateMachine.Advance(S, run.Checkpoint);
        if (run.Handler is { } handler)
        {
            S.Failovers += handler.Failovers;
        }

        _run = null;
        _runError = run.Error;

        if (exit == RunExit.Crashed)
        {
            Log.Crashed(logger, Id, run.Checkpoint, run.Error ?? "");
        }

        return exit;
    }

    /// <summary>The supervisor's decision after a run ended by itself (crash or completion), durable before the next run.</summary>
    private async Task<RestartDecision?> ExitAsync(ExitKind exit, string? error, CancellationToken cancellationToken)
    {
        using var span = _telemetry.StartExit(Id, exit);
        var now = services.Time.GetUtcNow();
        var decision = WorkerStateMachine.Exit(S, exit, error, Checkpoint, Limits(), now, Random.Shared.NextDouble());
        if (decision is null)
        {
            return null;
        }

        Log.Exited(logger, Id, exit.ToString(), S.Status, decision.Delay);
        await _writer.WriteAsync(Id, _generation, reapply: null, cancellationToken);
        _telemetry.RecordExit(span, exit, S.Status, decision);
        Report();
        if (decision.Restarts)
        {
            if (decision.Delay > TimeSpan.Zero)
            {
                await _lease.HoldThroughAsync(Id, decision.Delay, cancellationToken);
            }
        }
        else
        {
            StopTimers();
            await ReleaseSlotAsync();
        }

        return decision;
    }

    /// <summary>No slot for the next run: wait as Pending (durably), to be woken by the partition when a slot frees.</summary>
    private async Task QueueAsync(CancellationToken cancellationToken)
    {
        StopTimers();
        if (WorkerStateMachine.Queue(S))
        {
            await _writer.WriteAsync(Id, _generation, reapply: null, cancellationToken);
        }

        Report();
    }

    private void ScheduleRestart(TimeSpan delay)
    {
        CancelRestart();
        _restart = this.RegisterGrainTimer(
            _ =>
            {
                CancelRestart();
                BeginRun();
                return Task.CompletedTask;
            },
            new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private void CancelRestart()
    {
        _restart?.Dispose();
        _restart = null;
    }

    private void EnsureHeartbeat()
    {
        var interval = services.Supervision.HeartbeatInterval;
        _heartbeat ??= this.RegisterGrainTimer(HeartbeatAsync, new GrainTimerCreationOptions(interval, interval) { KeepAlive = true });
    }

    /// <summary>Nothing keeps an activation of a worker that is not running alive: it is collected like any idle grain.</summary>
    private void StopTimers()
    {
        _heartbeat?.Dispose();
        _heartbeat = null;
        CancelRestart();
    }

    /// <summary>Heartbeat: renews the slot's lease and reports. A lease that expired (a long pause) is taken again if a
    /// slot is free; otherwise another worker has it now, and this one ends its run and waits as Pending.</summary>
    private async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        if (!IsRunning || _run is null)
        {
            return;
        }

        try
        {
            if (!await _lease.RenewAsync(Id, _lifetime.Token))
            {
                Log.SlotLost(logger, Id, Checkpoint);
                await CancelRunAsync(CancellationToken.None);
                await QueueAsync(_lifetime.Token);
                return;
            }
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            return;
        }

        Report();
    }

    private async Task CancelRunAsync(CancellationToken cancellationToken)
    {
        if (_runCts is null || _supervision is null)
        {
            return;
        }

        await _runCts.CancelAsync();
        try
        {
            await _supervision.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            // The loop observes cancellation at its next await; a commit in flight is atomic either way.
        }
    }

    private async Task ReleaseSlotAsync()
    {
        IReadOnlyList<string> next;
        try
        {
            next = await _lease.ReleaseAsync(Id, _lifetime.Token);
        }
        catch (OperationCanceledException)
        {
            // Deactivating during a Redis outage: the lease returns the slot; partitions' pool checks wake the next.
            return;
        }

        foreach (var id in next)
        {
            if (id != Id)
            {
                GrainFactory.GetGrain<IPartitionGrain>(WorkerPartitioner.PartitionOf(id, services.Overseer.Partitions)).WakeAsync(id).Ignore();
            }
        }
    }

    private void RecordWait(Pool.SlotGrant grant)
    {
        if (grant.Waited is { } waited)
        {
            services.Instruments.PoolWaited(waited);
        }
    }

    /// <summary>Another activation owns the cursor (or the worker was stopped): this one stops and goes away.</summary>
    private void Fence()
    {
        Log.Fenced(logger, Id, _generation);
        _fenced = true;
        _runCts?.Cancel();
        StopTimers();
        _lease.Forget();
        DeactivateOnIdle();
    }

    private void Own(SinkCursor cursor)
    {
        _generation = cursor.Generation;
        _cursor = cursor;
        _fenced = false;
        SeeGeneration(cursor.Generation);
    }

    private void SeeGeneration(long generation) => _seenGeneration = Math.Max(_seenGeneration, generation);

    private RestartLimits Limits()
    {
        var o = services.Supervision;
        return new RestartLimits(S.Spec?.MaxRestarts ?? o.MaxRestarts, S.Spec?.RestartWindow ?? o.RestartWindow, o.BackoffMin, o.BackoffMax);
    }

    private void Report(bool detached = false)
    {
        var partition = WorkerPartitioner.PartitionOf(Id, services.Overseer.Partitions);
        GrainFactory.GetGrain<IPartitionGrain>(partition).ReportAsync(new WorkerReport(Info(), S.WantsRun, detached)).Ignore();
    }

    private WorkerInfo Info()
    {
        var handler = _run?.Handler;
        return new WorkerInfo
        {
            Id = Id,
            Status = S.Status,
            Checkpoint = Checkpoint,
            Restarts = S.Restarts,
            Silo = services.Silo.SiloAddress.Endpoint.ToString(),
            Source = S.Spec?.Source ?? "",
            LastError = S.LastError,
            Restart = S.Spec?.Restart ?? RestartPolicy.Transient,
            NextRestartAt = S.NextRestartAt,
            UpdatedAt = S.UpdatedAt,
            Handler = IsRunning ? handler?.Handler : null,
            Failovers = S.Failovers + (handler?.Failovers ?? 0),
            Head = handler?.Head,
            Version = ReportVersion.Of(Math.Max(_seenGeneration, S.Generation), ++_reportSeq),
        };
    }

    private OverseerException PoolFull(Pool.SlotGrant grant) =>
        OverseerException.PoolFull(grant.Position > 0
            ? $"pool full: worker '{Id}' is already queued at position {grant.Position} for one of the {services.Pool.MaxRunningWorkers} running-worker slots (Overseer:Pool:MaxRunningWorkers)"
            : $"pool full: all {services.Pool.MaxRunningWorkers} running-worker slots are held (Overseer:Pool:MaxRunningWorkers); worker '{Id}' was not started or queued — start it without --try to queue it, or stop another worker");

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
