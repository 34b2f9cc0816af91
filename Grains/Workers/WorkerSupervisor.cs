using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Overseer.Models;
using Overseer.Pool;
using Overseer.Outputs;
using Overseer.Supervision;

namespace Overseer.Workers;

/// <summary>One activation's supervision of its worker — the OTP supervisor of a single child: owns the cursor
/// generation, runs <see cref="WorkerRun"/>s, applies the restart decision of <see cref="WorkerStateMachine"/>, and
/// schedules the next run itself (a one-shot timer for the backoff; at once for 0), so a crash ends the run, not the
/// activation.</summary>
/// <remarks>
/// Interleaving: the loop is a background task on the activation's scheduler, so its turns interleave with the grain's
/// requests at await points (never in parallel). Invariants: at most one loop (<see cref="Begin"/>); every state write
/// goes through the writer; the loop re-checks its cancellation after every await that precedes a status change, and
/// stop cancels it first, so stop wins.
/// Ownership: the activation claims the cursor before its first run (a stop, start or resume takes a new generation
/// too); that generation fences every older activation's commits and state writes, and ranks its reports.
/// </remarks>
internal sealed partial class WorkerSupervisor(
    string id,
    IPersistentState<WorkerState> state,
    WorkerServices services,
    WorkerStateWriter writer,
    SlotLease lease,
    RunTelemetry telemetry,
    IWorkerHost host,
    CancellationToken lifetime,
    ILogger logger) : IRunningWorker, IRunProgress
{
    private CancellationTokenSource? _runCts;
    private Task? _loop;
    private WorkerRun? _run;
    private IGrainTimer? _restart;

    /// <summary>The activation is kept alive (from the first run until the worker no longer runs; through a backoff too).</summary>
    private bool _keptAlive;

    /// <summary>The run's newest snapshot not yet taken by the heartbeat sweep (written here, taken on the sweep's thread).</summary>
    private WorkerReport? _changed;

    /// <summary>The checkpoint of the last snapshot handed to the sweep (or reported as the run started).</summary>
    private long _publishedCheckpoint;
    private long _generation;
    private WorkerCursor _cursor;
    private long _seenGeneration;
    private string? _runError;
    private WorkerBinding? _binding;

    private WorkerState S => state.State;

    /// <summary>The worker's output and handler, bound from its spec once (and again when a start brings a new spec).</summary>
    public WorkerBinding Binding => _binding ??= services.Outputs.Bind(S.Spec);

    /// <summary>A run is in progress (or about to start).</summary>
    public bool IsRunning => _loop is { IsCompleted: false };

    /// <summary>Running, or waiting out a backoff on its timer.</summary>
    public bool IsSupervising => IsRunning || _restart is not null;

    /// <summary>Another activation owns the cursor: this one must neither run nor write.</summary>
    public bool IsFenced { get; private set; }

    public long Checkpoint => Math.Max(S.Checkpoint, _run?.Checkpoint ?? 0);

    /// <summary>The running source's status, if any.</summary>
    public Sources.ISourceHandlerStatus? Handler => _run?.Handler;

    /// <summary>The high part of report versions: the newest generation this activation knows of.</summary>
    public long VersionGeneration => Math.Max(_seenGeneration, S.Generation);

    /// <summary>Continues supervision of a worker that should run and is not: after its backoff, or now.</summary>
    public void Continue()
    {
        if (IsSupervising || !WorkerStateMachine.ShouldRun(S))
        {
            return;
        }

        var now = services.Time.GetUtcNow();
        if (S.Status == WorkerStatus.Backoff && S.NextRestartAt is { } at && at > now)
        {
            ScheduleRestart(at - now);
        }
        else
        {
            Begin();
        }
    }

    /// <summary>Start or resume: a fresh restart budget and a new cursor generation (clearing a stop); the cursor, the
    /// state and the registry row are durable before it returns. Queued as Pending when <paramref name="grant"/> holds
    /// no slot.</summary>
    public async Task StartFreshAsync(WorkerSpec? spec, SlotGrant grant)
    {
        RecordWait(grant);
        CancelRestart();
        await CancelAsync(CancellationToken.None);

        // A worker that never existed gets a fresh cursor (checkpoint 0, whatever a delete cut short left), and the
        // manager wrote its registry row before calling. A known worker (resume, or a new spec after it finished)
        // clears the stop and takes a new generation, and writes its row through, so that a start or resume that
        // returned survives a crash of every silo.
        var known = S.Spec is not null;
        if (spec is not null)
        {
            _binding = services.Outputs.Bind(spec);
        }

        var cursor = known
            ? await Binding.Cursors.ClaimAsync(id, start: true, lifetime)
            : await Binding.Cursors.CreateAsync(id, lifetime);
        if (cursor is not { } owned)
        {
            await ReleaseSlotAsync();
            var (events, _) = await Binding.Output.InspectAsync(id, lifetime);
            throw Errors.OverseerException.Conflict(
                $"worker '{id}' cannot start: its event stream still holds {events} events kept by an earlier delete --keep-events, "
                + $"and a new worker under this id begins at seq 1; remove them with 'overseer delete {id}', or use another id");
        }

        Own(owned);
        var checkpoint = owned.Checkpoint;

        var now = services.Time.GetUtcNow();
        void ApplyStart(WorkerState s) => WorkerStateMachine.Start(s, spec, checkpoint, grant.Granted, now);
        ApplyStart(S);
        await writer.WriteAsync(id, _generation, ApplyStart, lifetime);
        if (known)
        {
            await host.RecordAsync();
        }

        // A run that begins reports itself as it starts (RunOnceAsync, before its first await), so a new worker's row
        // learns of the start from that one report instead of two back to back.
        if (!(grant.Granted && Begin()) && !known)
        {
            host.Report();
        }
    }

    /// <summary>Stop: recorded in the same Redis step that bumps the generation (fencing every activation anywhere),
    /// then the run is cancelled, Stopped is written and the slot returned.</summary>
    public async Task StopAsync()
    {
        var cursor = await FenceAsync();
        void ApplyStop(WorkerState s) => WorkerStateMachine.Stop(s, cursor.Checkpoint);
        ApplyStop(S);
        await writer.WriteAsync(id, _generation, ApplyStop, lifetime);
        StopTimers();
        host.Report();
        await ReleaseSlotAsync();
        Log.Stopped(logger, id, S.Checkpoint);
    }

    /// <summary>Delete: a stop (so the state, the registry row and the pool agree while it goes on, and a delete cut short
    /// leaves a stopped worker that a second delete finishes), then the registry row, the state and the cursor (and events
    /// unless <paramref name="keepEvents"/>) are removed, in that order: the worker reads as unknown only once nothing
    /// but what a retry cleans up is left. This activation then goes away.</summary>
    public async Task<Models.DeleteResult> DeleteAsync(bool keepEvents)
    {
        await StopAsync();
        var checkpoint = S.Checkpoint;
        await host.ForgetAsync();
        await writer.ClearAsync(id, _generation, lifetime);
        var removed = await Binding.Output.DeleteAsync(id, Binding, keepEvents, lifetime) ?? 0;
        host.Deactivate();
        Log.Deleted(logger, id, checkpoint, removed, keepEvents);
        return new Models.DeleteResult(id, checkpoint, removed, keepEvents);
    }

    /// <summary>Rewind to <paramref name="toSeq"/> (with the source's <paramref name="token"/> for it): fenced like a stop,
    /// the events after it removed and the cursor moved back in Redis, then the state. The worker is left stopped (its
    /// slot, if it holds one, kept): the caller starts it again if it was running. Returns the checkpoint before and the
    /// events removed.</summary>
    public async Task<(long From, long Removed)> RewindAsync(long toSeq, string? token)
    {
        var cursor = await FenceAsync();
        var removed = await Binding.Output.RewindAsync(id, Binding, _generation, toSeq, token, lifetime) ?? 0;
        _cursor = _cursor with { Checkpoint = toSeq, Token = token };
        void ApplyRewind(WorkerState s)
        {
            WorkerStateMachine.Stop(s, 0);
            WorkerStateMachine.Rewind(s, toSeq);
        }

        ApplyRewind(S);
        await writer.WriteAsync(id, _generation, ApplyRewind, lifetime);
        StopTimers();
        host.Report();
        Log.Rewound(logger, id, cursor.Checkpoint, toSeq, removed);
        return (cursor.Checkpoint, removed);
    }

    /// <summary>The activation goes away (a move, a graceful shutdown, idle collection): not an exit. The run is
    /// cancelled, the checkpoint saved, and the partition told to bring the worker back; the slot stays held (its lease
    /// runs on).</summary>
    public async Task HandOverAsync(CancellationToken cancellationToken)
    {
        var supervised = IsSupervising;
        // Its keep-alive goes with the activation.
        LeaveHeartbeats();
        CancelRestart();
        await CancelAsync(cancellationToken);
        if (supervised && !IsFenced && WorkerStateMachine.ShouldRun(S))
        {
            WorkerStateMachine.Advance(S, Checkpoint);
            try
            {
                await writer.WriteAsync(id, _generation, reapply: null, cancellationToken);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The next activation re-reads the authoritative checkpoint from the sink.
            }

            host.Report(detached: true);
        }

        lease.Forget();
    }

    /// <summary>Gives the slot back and wakes the workers that can take one now.</summary>
    public async Task ReleaseSlotAsync()
    {
        IReadOnlyList<string> next;
        try
        {
            next = await lease.ReleaseAsync(id, lifetime);
        }
        catch (OperationCanceledException)
        {
            // Deactivating during a Redis outage: the lease returns the slot; partitions' pool checks wake the next.
            return;
        }

        foreach (var waiting in next)
        {
            if (waiting != id)
            {
                host.Wake(waiting);
            }
        }
    }

    public void RecordWait(SlotGrant grant)
    {
        if (grant.Waited is { } waited)
        {
            services.Instruments.PoolWaited(waited);
        }

        if (!grant.Granted && grant.Position > 0)
        {
            Log.Queued(logger, id, grant.Position);
        }
    }

    /// <summary>Starts the supervision loop unless one is active; true if this call started it.</summary>
    private bool Begin()
    {
        if (IsRunning || IsFenced || lifetime.IsCancellationRequested || !WorkerStateMachine.ShouldRun(S))
        {
            return false;
        }

        // Not linked to the lifetime (a linked source costs a registration per idle worker): the activation cancels the
        // run itself as it hands over (HandOverAsync), before its lifetime ends, and no run begins after that.
        _runCts = new CancellationTokenSource();
        telemetry.CaptureOrigin();
        _loop = SuperviseAsync(_runCts.Token);
        return true;
    }

    /// <summary>Runs, applies the restart decision, and runs again while the backoff is 0; a longer backoff is a one-shot
    /// timer. Ends when the worker completes, fails, is stopped, queued or fenced.</summary>
    private async Task SuperviseAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                // The run is awaited here, not inside a helper: an idle worker waits in as few frames as possible.
                var run = await PrepareRunAsync(cancellationToken);
                var exit = run is null ? RunExit.Cancelled : EndRun(run, await run.RunAsync(cancellationToken));
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
                        Log.SlotLost(logger, id, Checkpoint);
                        await QueueAsync(cancellationToken);
                        return;
                    case RunExit.StoreBehind:
                        if (!await ResumeFromStoreAsync(cancellationToken))
                        {
                            Fence();
                            return;
                        }

                        continue;
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
            Log.StateConflict(logger, id, ex);
            Fence();
        }
        catch (Exception ex)
        {
            // Not an exit of the worker (those are decided above): this activation cannot go on, and its partition's
            // stall detection brings the worker back in a fresh one.
            Log.SupervisionFailed(logger, id, ex);
            StopTimers();
            host.Deactivate();
        }
    }

    /// <summary>Before one run: owns the cursor (claiming it on this activation's first run) and holds a slot, then makes
    /// the run (it fetches and commits until it ends; the caller awaits it). Null when no run starts: the worker was
    /// stopped meanwhile, or is queued for a slot.</summary>
    private async Task<WorkerRun?> PrepareRunAsync(CancellationToken cancellationToken)
    {
        if (_generation == 0)
        {
            var claimed = await Binding.Cursors.ClaimAsync(id, start: false, cancellationToken);
            if (claimed.Stopped)
            {
                // Stopped while this activation was not looking (its state was read before the stop was written).
                SeeGeneration(claimed.Generation);
                WorkerStateMachine.Stop(S, claimed.Checkpoint);
                StopTimers();
                host.Report();
                return null;
            }

            Own(claimed);
        }

        if (!lease.Held)
        {
            var grant = await lease.AcquireAsync(id, StartMode.Queue, cancellationToken);
            RecordWait(grant);
            if (!grant.Granted)
            {
                // Reactivated (restore, recovery, backoff over) but the pool is full: wait for a slot.
                WorkerStateMachine.Advance(S, _cursor.Checkpoint);
                await QueueAsync(cancellationToken);
                return null;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();

        // A restart in this activation resumes from the cursor as the last run left it: every commit's outcome is known
        // (retried until Redis answers, or refused before anything was written), and if another activation took the
        // cursor since, the first commit is fenced.
        var cursor = _cursor;
        WorkerStateMachine.RunStarted(S);
        WorkerStateMachine.Advance(S, cursor.Checkpoint);
        var factory = services.Sources.Resolve(S.Spec!.Source);
        var run = new WorkerRun(id, S.Spec, factory, _generation, cursor, Binding, lease, services.Commits, telemetry, this);
        _run = run;
        KeepAlive();
        Log.RunStarted(logger, id, cursor.Checkpoint, _generation);
        host.Report();
        _publishedCheckpoint = cursor.Checkpoint;
        services.Heartbeats.Join(this);
        return run;
    }

    /// <summary>After <paramref name="run"/> ended with <paramref name="exit"/>: the cursor and state as it left them.</summary>
    private RunExit EndRun(WorkerRun run, RunExit exit)
    {
        LeaveHeartbeats();
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
            Log.Crashed(logger, id, run.Checkpoint, run.Error ?? "");
        }

        return exit;
    }

    /// <summary>Redis is behind the checkpoint the last run committed (it lost acknowledged commits): the stored cursor is
    /// the truth, and the events after it are gone with it, so the next run re-indexes them from there — neither a gap
    /// nor a duplicate, and no restart counted. False if the cursor is no longer this activation's.</summary>
    private async Task<bool> ResumeFromStoreAsync(CancellationToken cancellationToken)
    {
        var stored = await Binding.Cursors.GetAsync(id, cancellationToken);
        if (stored.Generation != _generation || stored.Stopped)
        {
            return false;
        }

        Log.StoreBehind(logger, id, _cursor.Checkpoint, stored.Checkpoint);
        _cursor = stored;
        WorkerStateMachine.Rewind(S, stored.Checkpoint);
        return true;
    }

    /// <summary>The supervisor's decision after a run ended by itself (crash or completion), durable before the next run.</summary>
    private async Task<RestartDecision?> ExitAsync(ExitKind exit, string? error, CancellationToken cancellationToken)
    {
        using var span = telemetry.StartExit(id, exit);
        var now = services.Time.GetUtcNow();
        var decision = WorkerStateMachine.Exit(S, exit, error, Checkpoint, Limits(), now, Random.Shared.NextDouble());
        if (decision is null)
        {
            return null;
        }

        Log.Exited(logger, id, exit.ToString(), S.Status, decision.Delay);
        await writer.WriteAsync(id, _generation, reapply: null, cancellationToken);
        telemetry.RecordExit(span, exit, S.Status, decision);
        host.Report();
        if (decision.Restarts)
        {
            if (decision.Delay > TimeSpan.Zero)
            {
                await lease.HoldThroughAsync(id, decision.Delay, cancellationToken);
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
            await writer.WriteAsync(id, _generation, reapply: null, cancellationToken);
        }

        host.Report();
    }

    private void ScheduleRestart(TimeSpan delay)
    {
        CancelRestart();
        _restart = host.StartTimer(
            _ =>
            {
                CancelRestart();
                Begin();
                return Task.CompletedTask;
            },
            delay,
            Timeout.InfiniteTimeSpan);
    }

    private void CancelRestart()
    {
        _restart?.Dispose();
        _restart = null;
    }

    private void KeepAlive()
    {
        if (!_keptAlive)
        {
            _keptAlive = true;
            host.KeepAlive(true);
        }
    }

    /// <summary>Nothing keeps an activation of a worker that is not running alive: it is collected like any idle grain.</summary>
    private void StopTimers()
    {
        LeaveHeartbeats();
        CancelRestart();
        if (_keptAlive)
        {
            _keptAlive = false;
            host.KeepAlive(false);
        }
    }

    /// <summary>The run is over (or the activation going away): the sweep no longer names this worker, so its partition's
    /// stall scan notices if nothing else is heard of it.</summary>
    private void LeaveHeartbeats()
    {
        services.Heartbeats.Leave(this);
        Volatile.Write(ref _changed, null);
    }

    string IRunningWorker.Id => id;

    WorkerReport? IRunningWorker.TakeChanged() => Interlocked.Exchange(ref _changed, null);

    void IRunningWorker.LeaseRenewed(long until) => lease.Renewed(until);

    void IRunningWorker.LeaseLost() => host.Post(LeaseLostAsync);

    /// <summary>A round of the run may have moved the worker's snapshot: hand the newest to the sweep (it sends the last one
    /// of each interval). A source with a status (handler, head) may change without committing, so it hands one every round.</summary>
    void IRunProgress.Progressed(WorkerRun run)
    {
        if (run.Checkpoint == _publishedCheckpoint && run.Handler is null)
        {
            return;
        }

        _publishedCheckpoint = run.Checkpoint;
        Volatile.Write(ref _changed, host.Snapshot());
    }

    /// <summary>The sweep could not renew the slot's lease (it expired: a long pause). It is taken again if a slot is
    /// free; otherwise another worker has it now, and this one ends its run and waits as Pending.</summary>
    private async Task LeaseLostAsync()
    {
        if (!IsRunning || _run is null)
        {
            return;
        }

        try
        {
            if (await lease.RenewAsync(id, lifetime))
            {
                return;
            }

            Log.SlotLost(logger, id, Checkpoint);
            await CancelAsync(CancellationToken.None);
            await QueueAsync(lifetime);
        }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Log.SupervisionFailed(logger, id, ex);
            StopTimers();
            host.Deactivate();
        }
    }

    /// <summary>Stop wins: the run is cancelled (the loop sees it at its next await, before anything else can
    /// interleave) and the stop recorded in the same Redis step that bumps the generation, fencing every activation
    /// anywhere; returns once the run has ended. Desired state: not running.</summary>
    private async Task<WorkerCursor> FenceAsync()
    {
        WorkerStateMachine.Stop(S, Checkpoint);
        _runCts?.Cancel();
        CancelRestart();
        var cursor = await Binding.Cursors.StopAsync(id, lifetime);
        Own(cursor);
        await CancelAsync(CancellationToken.None);
        WorkerStateMachine.Advance(S, _run?.Checkpoint ?? 0);
        _run = null;
        return cursor;
    }

    private async Task CancelAsync(CancellationToken cancellationToken)
    {
        if (_runCts is null || _loop is null)
        {
            return;
        }

        await _runCts.CancelAsync();
        try
        {
            await _loop.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            // The loop observes cancellation at its next await; a commit in flight is atomic either way.
        }
    }

    /// <summary>Another activation owns the cursor (or the worker was stopped): this one stops and goes away.</summary>
    private void Fence()
    {
        Log.Fenced(logger, id, _generation);
        IsFenced = true;
        _runCts?.Cancel();
        StopTimers();
        lease.Forget();
        host.Deactivate();
    }

    private void Own(WorkerCursor cursor)
    {
        _generation = cursor.Generation;
        _cursor = cursor;
        IsFenced = false;
        SeeGeneration(cursor.Generation);
    }

    private void SeeGeneration(long generation) => _seenGeneration = Math.Max(_seenGeneration, generation);

    private RestartLimits Limits()
    {
        var o = services.Supervision;
        return new RestartLimits(S.Spec?.MaxRestarts ?? o.MaxRestarts, S.Spec?.RestartWindow ?? o.RestartWindow, o.BackoffMin, o.BackoffMax);
    }
}
