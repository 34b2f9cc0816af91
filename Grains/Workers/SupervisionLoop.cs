using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Overseer.Models;
using Overseer.Pool;
using Overseer.Supervision;

namespace Overseer.Workers;

/// <summary>The run loop of one activation — the OTP supervisor of a single child: runs <see cref="WorkerRun"/>s from the
/// cursor it owns, applies the restart decision of <see cref="WorkerStateMachine"/>, and schedules the next run itself (a
/// one-shot timer for the backoff; at once for 0), so a crash ends the run, not the activation. It holds the slot a run
/// needs and shows the running worker to its silo (<see cref="RunPresence"/>).</summary>
/// <remarks>
/// Interleaving: the loop is a background task on the activation's scheduler, so its turns interleave with the grain's
/// requests at await points (never in parallel). Invariants: at most one loop (<see cref="Begin"/> starts none while one
/// is active, after a fence, or once the activation's lifetime ends); every state write goes through the writer; the
/// loop re-checks its cancellation after every await that precedes a status change, and a stop cancels it first
/// (<see cref="Interrupt"/>, before the stop's own first await), so stop wins.
/// </remarks>
internal sealed partial class SupervisionLoop(
    string id,
    IPersistentState<WorkerState> state,
    WorkerServices services,
    CursorOwnership ownership,
    WorkerStateWriter writer,
    SlotLease lease,
    RunTelemetry telemetry,
    IWorkerHost host,
    CancellationToken lifetime,
    ILogger logger) : IRunningWorker, IRunProgress
{
    private CancellationTokenSource? _runCts;

    /// <summary>The run's pace wait in progress (<see cref="PaceAsync"/>), which <see cref="CancelRun"/> ends.</summary>
    private Sources.PaceWait? _pace;
    private Task? _loop;

    /// <summary>The write of a restart without backoff, going on beside the next run until its first commit (<see cref="ExitAsync"/>).</summary>
    private Task? _exitWrite;
    private WorkerRun? _run;
    private IGrainTimer? _restart;
    private RunPresence _presence;

    private WorkerState S => state.State;

    /// <summary>The activation's hold on the worker's cursor (the grain and its commands reach it through the loop).</summary>
    public CursorOwnership Ownership => ownership;

    /// <summary>The one door of the activation's state writes.</summary>
    public WorkerStateWriter Writer => writer;

    /// <summary>The activation's pool slot.</summary>
    public SlotLease Lease => lease;

    /// <summary>A run is in progress (or about to start).</summary>
    public bool IsRunning => _loop is { IsCompleted: false };

    /// <summary>Running, or waiting out a backoff on its timer.</summary>
    public bool IsSupervising => IsRunning || _restart is not null;

    public long Checkpoint => Math.Max(S.Checkpoint, _run?.Checkpoint ?? 0);

    /// <summary>The running source's status, if any.</summary>
    public Sources.ISourceHandlerStatus? Handler => _run?.Handler;

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

    /// <summary>Starts the supervision loop unless one is active; true if this call started it.</summary>
    public bool Begin()
    {
        if (IsRunning || ownership.IsFenced || lifetime.IsCancellationRequested || !WorkerStateMachine.ShouldRun(S))
        {
            return false;
        }

        // Not linked to the lifetime (a linked source costs a registration per idle worker): the activation cancels the
        // run itself as it hands over (DetachAsync), before its lifetime ends, and no run begins after that.
        _runCts = new CancellationTokenSource();
        telemetry.CaptureOrigin();
        _loop = SuperviseAsync(_runCts.Token);
        return true;
    }

    /// <summary>Stop wins: cancels the run (the loop sees it at its next await, before anything else can interleave) and
    /// the backoff timer, at once. <see cref="EndAsync"/> then waits for the loop.</summary>
    public void Interrupt()
    {
        CancelRun();
        CancelRestart();
    }

    /// <summary>Waits until the cancelled loop has ended; the state keeps the checkpoint its run reached.</summary>
    public async Task EndAsync()
    {
        await CancelAsync(CancellationToken.None);
        WorkerStateMachine.Advance(S, _run?.Checkpoint ?? 0);
        _run = null;
    }

    /// <summary>Cancels the backoff timer and the run, and waits (for a start: a fresh run follows).</summary>
    public async Task RestartAsync()
    {
        CancelRestart();
        await CancelAsync(CancellationToken.None);
    }

    /// <summary>The activation goes away: the slot is held over the hand-over, the worker leaves the sweep, the timer
    /// and the run are cancelled and awaited (within <paramref name="cancellationToken"/>). True if it was supervising.</summary>
    public async Task<bool> DetachAsync(CancellationToken cancellationToken)
    {
        var supervised = IsSupervising;
        if (supervised)
        {
            // Before it leaves the sweep, which renews it until then.
            await HoldSlotOverHandOverAsync(cancellationToken);
        }

        // Its keep-alive goes with the activation.
        LeaveHeartbeats();
        CancelRestart();
        await CancelAsync(cancellationToken);
        return supervised;
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
            // Deactivating during a store outage: the lease returns the slot; partitions' pool checks wake the next.
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

    /// <summary>Nothing renews the slot from the moment this activation leaves the sweep until the worker runs again
    /// elsewhere, and its partition may take longer than a lease to bring it back (see <see cref="HandOverRule"/>): the
    /// lease is stretched over that, as over a backoff, so the next activation finds the slot still the worker's instead
    /// of taken by the head of the queue. A stop or delete meanwhile gives it back at once, wherever it lands.</summary>
    private async Task HoldSlotOverHandOverAsync(CancellationToken cancellationToken)
    {
        try
        {
            await lease.HoldThroughAsync(id, HandOverRule.BringBackWithin(services.Supervision), cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Redis unreachable until the deactivation's deadline: the lease it had bounds the slot, as before.
            Log.HoldFailed(logger, id, ex);
        }
    }

    /// <summary>Records how long a grant waited, and a place in the queue.</summary>
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

    /// <summary>Nothing keeps an activation of a worker that is not running alive: it is collected like any idle grain.</summary>
    public void StopTimers()
    {
        LeaveHeartbeats();
        CancelRestart();
        _presence.LetGo(host);
    }

    /// <summary>Runs, applies the restart decision, and runs again while the backoff is 0; a longer backoff is a one-shot
    /// timer. Ends when the worker completes, fails, is stopped, queued or fenced.</summary>
    private async Task SuperviseAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var run = await PrepareRunAsync(cancellationToken);
                var exit = RunExit.Cancelled;
                if (run is not null)
                {
                    // The run's fetches are awaited here, in this frame, not in a loop of the run's own: an idle worker
                    // waits in one frame of ours (its source's wait aside). The run's steps do the rest of each round.
                    var ambient = Activity.Current;
                    RunExit? ended = null;
                    if (run.Open(cancellationToken) is { } source)
                    {
                        while (ended is null)
                        {
                            var pace = WorkerRun.PaceOf(source);
                            if (pace > TimeSpan.Zero)
                            {
                                await PaceAsync(pace, cancellationToken);
                                _pace = null;
                            }

                            var fetch = run.FetchAsync(source, paced: pace > TimeSpan.Zero, cancellationToken);
                            await ((Task)fetch).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.SuppressThrowing);
                            if (_exitWrite is not null && await ExitWrittenAsync() is { } failed)
                            {
                                // Nothing of this run is committed: it ends here, and the failure is the loop's.
                                _ = fetch.Exception;
                                run.EndBatch();
                                await run.CloseAsync(source, RunExit.Cancelled, cancellationToken);
                                Activity.Current = ambient;
                                EndRun(run, RunExit.Cancelled);
                                ExceptionDispatchInfo.Throw(failed);
                            }

                            ended = await run.AfterFetchAsync(fetch, source, cancellationToken);
                            run.EndBatch();
                        }

                        ended = await run.CloseAsync(source, ended.Value, cancellationToken);
                    }

                    // The batch spans were current in this frame; what follows (the exit span) is not part of them.
                    Activity.Current = ambient;
                    exit = EndRun(run, ended ?? run.Refused);
                }

                // The last exit's write, if it went on beside this run, is done before anything else is decided.
                if (_exitWrite is not null && await ExitWrittenAsync() is { } failure)
                {
                    ExceptionDispatchInfo.Throw(failure);
                }

                var halt = run?.Halt;
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
                    case RunExit.StoreBehind or RunExit.StoreAhead:
                        if (!await ResumeFromStoreAsync(exit, cancellationToken))
                        {
                            Fence();
                            return;
                        }

                        continue;
                    case RunExit.Halted:
                        await HaltAsync(halt!, cancellationToken);
                        return;
                }

                var kind = exit == RunExit.Completed ? ExitKind.Completed : ExitKind.Crash;
                var decision = await ExitAsync(kind, run?.Error, cancellationToken);
                if (decision is not { Restarts: true } || cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                if (decision.Delay > TimeSpan.Zero)
                {
                    // The backoff counts from the decision (NextRestartAt), not from after its write and slot hold.
                    var left = (S.NextRestartAt ?? services.Time.GetUtcNow()) - services.Time.GetUtcNow();
                    ScheduleRestart(left > TimeSpan.Zero ? left : TimeSpan.Zero);
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
        finally
        {
            // Left by a loop that ended as the next run was being prepared (cancelled): its failure is observed, and any
            // later write waits for it at the writer's gate.
            _exitWrite?.Ignore();
            _exitWrite = null;
        }
    }

    /// <summary>Before one run: owns the cursor (claiming it on this activation's first run) and holds a slot, then makes
    /// the run (it fetches and commits until it ends; the caller awaits it). Null when no run starts: the worker was
    /// stopped meanwhile, or is queued for a slot.</summary>
    private async Task<WorkerRun?> PrepareRunAsync(CancellationToken cancellationToken)
    {
        if (ownership.Generation == 0)
        {
            var claimed = await ownership.ClaimAsync(cancellationToken);
            if (claimed.Stopped)
            {
                // Stopped while this activation was not looking (its state was read before the stop was written).
                WorkerStateMachine.Stop(S, claimed.Checkpoint);
                StopTimers();
                host.Report();
                return null;
            }
        }

        if (!lease.Held)
        {
            var grant = await lease.AcquireAsync(id, StartMode.Queue, cancellationToken);
            RecordWait(grant);
            if (!grant.Granted)
            {
                // Reactivated (restore, recovery, backoff over) but the pool is full: wait for a slot.
                WorkerStateMachine.Advance(S, ownership.Cursor.Checkpoint);
                await QueueAsync(cancellationToken);
                return null;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();

        // A restart in this activation resumes from the cursor as the last run left it: every commit's outcome is known
        // (retried until the store answers, or refused before anything was written), and if another activation took the
        // cursor since, the first commit is fenced.
        var cursor = ownership.Cursor;
        var generation = ownership.Generation;
        WorkerStateMachine.RunStarted(S);
        WorkerStateMachine.Advance(S, cursor.Checkpoint);
        var factory = services.Sources.Resolve(S.Spec!.Source);
        if (S.Spec.PoisonOrDefault.Action == PoisonAction.DeadLetter && ownership.Binding.Output.DeadLetters is { } letters)
        {
            S.DeadLetters = await letters.CountAsync(id, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
        }

        var run = new WorkerRun(
            id, S.Spec, factory, generation, cursor, ownership.Binding, lease, services.Commits, telemetry, this);
        _run = run;
        _presence.KeepAlive(host);
        Log.RunStarted(logger, id, cursor.Checkpoint, generation);
        if (_exitWrite is null)
        {
            host.Report();
            _presence.Join(services.Heartbeats, this, cursor.Checkpoint);
        }
        else
        {
            // Restarted at once in this activation: the partition holds it as running already, and hears the restart with
            // the silo's next heartbeat, which carries this snapshot (one message fewer a crash).
            _presence.Join(services.Heartbeats, this, cursor.Checkpoint);
            _presence.Publish(host);
        }

        return run;
    }

    /// <summary>After <paramref name="run"/> ended with <paramref name="exit"/>: the cursor and state as it left them.</summary>
    private RunExit EndRun(WorkerRun run, RunExit exit)
    {
        LeaveHeartbeats();
        ownership.Moved(run.Checkpoint, run.Token, run.CommittedVersion);
        WorkerStateMachine.Advance(S, run.Checkpoint);
        if (run.Handler is { } handler)
        {
            S.Failovers += handler.Failovers;
        }

        _run = null;
        if (exit == RunExit.Crashed)
        {
            Log.Crashed(logger, id, run.Checkpoint, run.Error ?? "");
        }

        return exit;
    }

    /// <summary>The store is behind the checkpoint the last run committed (it lost acknowledged commits), or ahead of it
    /// (<paramref name="exit"/>: it holds commits the run does not know of): the stored cursor is the truth, and the events
    /// up to it are stored with it, so the next run indexes from there — neither a gap nor a duplicate, and no restart
    /// counted. False if the cursor is no longer this activation's.</summary>
    private async Task<bool> ResumeFromStoreAsync(RunExit exit, CancellationToken cancellationToken)
    {
        var committed = ownership.Cursor.Checkpoint;
        if (await ownership.ReloadAsync(cancellationToken) is not { } stored)
        {
            return false;
        }

        if (exit == RunExit.StoreAhead)
        {
            Log.StoreAhead(logger, id, committed, stored.Checkpoint);
        }
        else
        {
            Log.StoreBehind(logger, id, committed, stored.Checkpoint);
        }

        WorkerStateMachine.Rewind(S, stored.Checkpoint);
        return true;
    }

    /// <summary>The supervisor's decision after a run ended by itself (crash or completion), durable before the next run.</summary>
    /// <remarks>A restart without backoff does not wait for the write: the next run starts beside it, and its first
    /// commit waits for it (<see cref="ExitWrittenAsync"/>), so that the restart is durable before the next run has any
    /// effect, as when the loop waited here, one store round trip sooner. The state written is the next run's (Running),
    /// so that the loop changes nothing of it while the write is on its way.</remarks>
    private async Task<RestartDecision?> ExitAsync(ExitKind exit, string? error, CancellationToken cancellationToken)
    {
        var span = telemetry.StartExit(id, exit);
        var now = services.Time.GetUtcNow();
        var decision = WorkerStateMachine.Exit(S, exit, error, Checkpoint, Limits(), now, Random.Shared.NextDouble());
        if (decision is null)
        {
            span?.Dispose();
            return null;
        }

        Log.Exited(logger, id, exit.ToString(), S.Status, decision.Delay);
        if (decision is { Restarts: true, Delay.Ticks: <= 0 })
        {
            var status = S.Status;
            WorkerStateMachine.RunStarted(S);
            _exitWrite = WriteRestartAsync(span, exit, status, decision, cancellationToken);
            return decision;
        }

        using var _ = span;
        await writer.WriteAsync(id, ownership.Generation, reapply: null, cancellationToken);
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

    /// <summary>The write of a restart without backoff (<see cref="ExitAsync"/>), in the exit's span.</summary>
    private async Task WriteRestartAsync(Activity? span, ExitKind exit, WorkerStatus status, RestartDecision decision, CancellationToken cancellationToken)
    {
        using var _ = span;
        await writer.WriteAsync(id, ownership.Generation, reapply: null, cancellationToken);
        telemetry.RecordExit(span, exit, status, decision);
    }

    /// <summary>Waits for the last exit's write that went on beside the next run; null once it is durable, else its failure.</summary>
    private async Task<Exception?> ExitWrittenAsync()
    {
        var write = _exitWrite!;
        _exitWrite = null;
        try
        {
            await write;
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    /// <summary>The run halted at <paramref name="halt"/>: Halted (durably), no restart counted, the slot given back. A stop
    /// that raced it wins.</summary>
    private async Task HaltAsync(WorkerHalt halt, CancellationToken cancellationToken)
    {
        if (!WorkerStateMachine.Halt(S, halt, Checkpoint))
        {
            return;
        }

        if (halt.Reason == HaltReason.HandlerVersion)
        {
            Log.WaitingOnVersion(logger, id, halt.Seq, halt.CommittedVersion, halt.HandlerVersion, halt.Error);
        }
        else if (halt.Reason == HaltReason.Reorg)
        {
            Log.HaltedOnReorg(logger, id, halt.Seq, halt.Error);
        }
        else
        {
            Log.Halted(logger, id, halt.Seq, halt.Reason, halt.Error);
        }

        await writer.WriteAsync(id, ownership.Generation, reapply: null, cancellationToken);
        StopTimers();
        host.Report();
        await ReleaseSlotAsync();
    }

    /// <summary>No slot for the next run: wait as Pending (durably), to be woken by the partition when a slot frees.</summary>
    private async Task QueueAsync(CancellationToken cancellationToken)
    {
        StopTimers();
        if (WorkerStateMachine.Queue(S))
        {
            await writer.WriteAsync(id, ownership.Generation, reapply: null, cancellationToken);
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

    private void LeaveHeartbeats() => _presence.Leave(services.Heartbeats, this);

    string IRunningWorker.Id => id;

    WorkerReport? IRunningWorker.TakeChanged() => _presence.TakeChanged();

    void IRunningWorker.LeaseRenewed(long until) => lease.Renewed(until);

    void IRunningWorker.LeaseLost() => host.Post(LeaseLostAsync);

    void IRunProgress.Progressed(WorkerRun run) => _presence.Progressed(run, host);

    DateTimeOffset IRunProgress.Now => services.Time.GetUtcNow();

    void IRunProgress.DeadLettered() => S.DeadLetters++;

    Task IRunProgress.BeforePoisonRetryAsync(int attempt, CancellationToken cancellationToken) =>
        Task.Delay(RestartDecider.Backoff(attempt - 1, Limits(), Random.Shared.NextDouble()), services.Time, cancellationToken);

    /// <summary>Status shows the reorg at once (the state copy is written at the next exit, as the checkpoint is), and the
    /// audit stream records it beside the operators' commands.</summary>
    async Task IRunProgress.RolledBackAsync(WorkerRun run, long seq, long removed, string reorg)
    {
        WorkerStateMachine.RolledBack(S, reorg);
        Log.RolledBack(logger, id, seq, removed, reorg);
        host.Report();
        try
        {
            await services.Audit.AppendAsync(Operations.AuditLog.SourceActor, "reorg", id, reorg, $"done: rolled back to {seq}, {removed} events removed", lifetime);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.ReorgNotAudited(logger, id, ex);
        }
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

    /// <summary>Waits out a paced source's wait before its fetch (<see cref="Sources.IPacedSource"/>) on the silo's clock:
    /// returns when it is due or the run is cancelled (<see cref="CancelRun"/> ends it at once), never throwing.</summary>
    /// <remarks>Not async: the loop awaits the wait in its own frame and resumes on the activation; the wait is all an idle
    /// worker holds besides that frame and its run.</remarks>
    private ValueTask PaceAsync(TimeSpan pace, CancellationToken cancellationToken)
    {
        var wait = services.Pace.Start(pace);
        Volatile.Write(ref _pace, wait);

        // After it is published: a cancellation before this point is seen here, one after it ends the wait.
        if (cancellationToken.IsCancellationRequested)
        {
            services.Pace.Cancel(wait);
        }

        return wait.AsValueTask();
    }

    /// <summary>Cancels the run's token and ends its pace wait, if it is in one.</summary>
    private void CancelRun()
    {
        _runCts?.Cancel();
        if (Volatile.Read(ref _pace) is { } wait)
        {
            services.Pace.Cancel(wait);
        }
    }

    private async Task CancelAsync(CancellationToken cancellationToken)
    {
        if (_runCts is null || _loop is null)
        {
            return;
        }

        await _runCts.CancelAsync();
        if (Volatile.Read(ref _pace) is { } wait)
        {
            services.Pace.Cancel(wait);
        }

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
    /// <summary>This activation lost the worker (another one owns its cursor, or has written it since): the run is
    /// cancelled, nothing more is written or renewed, and the activation goes away.</summary>
    public void Fence()
    {
        Log.Fenced(logger, id, ownership.Generation);
        ownership.Fence();
        CancelRun();
        StopTimers();
        lease.Forget();
        host.Deactivate();
    }

    private RestartLimits Limits()
    {
        var o = services.Supervision;
        return new RestartLimits(S.Spec?.MaxRestarts ?? o.MaxRestarts, S.Spec?.RestartWindow ?? o.RestartWindow, o.BackoffMin, o.BackoffMax);
    }
}
