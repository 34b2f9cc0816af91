using Overseer.Models;
using Overseer.Supervision;

namespace Overseer.Workers;

/// <summary>The worker's life as a pure state machine over <see cref="WorkerState"/>: the only code that sets status,
/// desired state, next-restart time, restart history and checkpoint. No I/O, no clock: time and jitter come in as
/// arguments, so every transition is a row of a table test.</summary>
/// <remarks>
/// <code>
///   start/resume ─► Running ──(no slot)──► Pending ──(slot)──► Running
///   Running ──exit──► RestartDecider: Backoff (restart after delay; 0 = at once) | Completed | Failed
///   Backoff ──(delay over, slot held)──► Running
///   Running ──poison event (policy halt) or handler version change──► Halted (no restart counted; resume, skip, accept
///                                                                          or rewind clears it)
///   any ──stop──► Stopped (live statuses only; Completed, Failed and Halted stay, but no longer want to run)
/// </code>
/// Invariants: a stopped worker never wants to run until a start or resume; the checkpoint never goes backwards but by
/// an operator's rewind of a stopped worker;
/// restart history only grows by restarts the decider granted and only holds those inside the window.</remarks>
internal static class WorkerStateMachine
{
    /// <summary>Whether the worker exists and should be running or on its way to (<see cref="RunRule.ShouldRun"/>).</summary>
    public static bool ShouldRun(WorkerState s) => s.Spec is not null && RunRule.ShouldRun(s.WantsRun, s.Status);

    /// <summary>Whether a run may begin now: queued and running workers at once, a backoff once it is over.</summary>
    public static bool IsDue(WorkerState s, DateTimeOffset now) =>
        ShouldRun(s) && (s.Status != WorkerStatus.Backoff || s.NextRestartAt is not { } at || at <= now);

    /// <summary>Start (with a new or changed <paramref name="spec"/>) or resume (<paramref name="spec"/> null): desired
    /// state running, a fresh restart budget; Running if a slot is held, else Pending.</summary>
    public static void Start(WorkerState s, WorkerSpec? spec, long checkpoint, bool slotHeld, DateTimeOffset now)
    {
        if (spec is not null)
        {
            if (s.Spec is null)
            {
                s.CreatedAt = now;
            }

            s.Spec = spec;
        }

        s.WantsRun = true;
        s.Status = slotHeld ? WorkerStatus.Running : WorkerStatus.Pending;
        s.NextRestartAt = null;
        s.Halt = null;
        s.RestartHistory = null;
        Advance(s, checkpoint);
    }

    /// <summary>No slot for the next run: wait as Pending. False if nothing changed (or the worker should not run).</summary>
    public static bool Queue(WorkerState s)
    {
        if (!ShouldRun(s) || s.Status == WorkerStatus.Pending)
        {
            return false;
        }

        s.Status = WorkerStatus.Pending;
        s.NextRestartAt = null;
        return true;
    }

    /// <summary>A run begins (slot held, cursor owned). False if the worker was Running already.</summary>
    public static bool RunStarted(WorkerState s)
    {
        if (s.Status == WorkerStatus.Running)
        {
            return false;
        }

        s.Status = WorkerStatus.Running;
        s.NextRestartAt = null;
        return true;
    }

    /// <summary>A run ended by itself: OTP's restart decision (<see cref="RestartDecider"/>) applied to the state.
    /// Null when the worker no longer wants to run (a stop raced the exit: stop wins, nothing changes).</summary>
    public static RestartDecision? Exit(
        WorkerState s, ExitKind exit, string? error, long checkpoint, RestartLimits limits, DateTimeOffset now, double jitter01)
    {
        if (!ShouldRun(s))
        {
            return null;
        }

        Advance(s, checkpoint);
        var history = s.RestartHistory ?? [];
        var decision = RestartDecider.Decide(exit, s.Spec!.Restart, history, limits, now, jitter01);
        history.RemoveAll(at => now - at >= limits.Window);
        if (decision.Restarts)
        {
            history.Add(now);
        }

        s.RestartHistory = history;
        if (decision.Restarts)
        {
            s.Restarts++;
            s.Status = WorkerStatus.Backoff;
            s.NextRestartAt = now + decision.Delay;
            s.LastError = error ?? s.LastError;
            return decision;
        }

        s.Status = decision.Status;
        s.NextRestartAt = null;
        if (decision.Status == WorkerStatus.Failed)
        {
            s.LastError = error is null ? decision.Reason : $"{error} ({decision.Reason})";
        }

        return decision;
    }

    /// <summary>The run stopped at <paramref name="halt"/> (a poison event with policy halt, or a handler version change):
    /// Halted, with no restart counted and the slot given back. False (nothing changes) when a stop raced it: stop wins.</summary>
    public static bool Halt(WorkerState s, WorkerHalt halt, long checkpoint)
    {
        if (!ShouldRun(s))
        {
            return false;
        }

        Advance(s, checkpoint);
        s.Status = WorkerStatus.Halted;
        s.Halt = halt;
        s.NextRestartAt = null;
        s.LastError = halt.Error;
        return true;
    }

    /// <summary>A run rolled back after a reorg of its source (the checkpoint is the run's, as for any progress).</summary>
    public static void RolledBack(WorkerState s, string reorg)
    {
        s.Reorgs++;
        s.LastReorg = reorg;
    }

    /// <summary>Whether the worker would be running but for a halt (or is running): what a rewind restores.</summary>
    public static bool WantsToRun(WorkerState s) => ShouldRun(s) || (s.WantsRun && s.Status == WorkerStatus.Halted);

    /// <summary>Stop: never run again until started or resumed. A live worker becomes Stopped; a completed or failed one
    /// keeps its status.</summary>
    public static void Stop(WorkerState s, long checkpoint)
    {
        s.WantsRun = false;
        if (s.Status.IsLive())
        {
            s.Status = WorkerStatus.Stopped;
        }

        s.NextRestartAt = null;
        Advance(s, checkpoint);
    }

    /// <summary>An operator's rewind (the worker stopped and its cursor moved back first): the one move of the
    /// checkpoint backwards.</summary>
    public static void Rewind(WorkerState s, long checkpoint)
    {
        s.Checkpoint = checkpoint;
        s.Halt = null;
    }

    /// <summary>Records progress; the checkpoint never goes backwards (but for <see cref="Rewind"/>).</summary>
    public static void Advance(WorkerState s, long checkpoint) => s.Checkpoint = Math.Max(s.Checkpoint, checkpoint);
}
