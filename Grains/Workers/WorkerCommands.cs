using Microsoft.Extensions.Logging;
using Overseer.Models;
using Overseer.Pool;

namespace Overseer.Workers;

/// <summary>What the operator's commands do to a worker's supervision — start or resume, stop, delete, rewind — and the
/// hand-over as the activation goes away; the grain validates each request first.</summary>
/// <remarks>
/// Invariants: a command acts only on an activation that has seen every write of the worker (<see cref="IsCurrentAsync"/>):
/// a command queued on a silo that was frozen, and declared dead while the worker lived on elsewhere, must not stop,
/// delete or rewind what the operator did since. Stop wins — a stop, delete or rewind interrupts the run loop before its first await, records the stop in
/// the same store step that bumps the generation (fencing every activation anywhere) and only then waits for the loop; a
/// start or resume owns a new generation and writes the cursor, the state and (for a known worker) the registry row
/// before it returns; every state write goes through the writer, as the owner of the current generation, re-applying
/// the command to what is stored on a conflict. A hand-over is not an exit: no restart is counted and the slot stays held.
/// </remarks>
internal sealed partial class WorkerCommands(
    string id,
    IPersistentState<WorkerState> state,
    WorkerServices services,
    CursorOwnership ownership,
    SupervisionLoop loop,
    WorkerStateWriter writer,
    SlotLease lease,
    IWorkerHost host,
    CancellationToken lifetime,
    ILogger logger)
{
    private WorkerState S => state.State;

    /// <summary>Before any command: whether this activation is the worker's live one, i.e. no other activation has written
    /// the worker since this one last read or wrote it. If not, this activation lets go of everything (no run, no write)
    /// and goes away, and the caller refuses the command so that its retry reaches the live activation.</summary>
    /// <remarks>Checked by the state's ETag, not by the cursor generation: generations start again after a delete, and a
    /// stop takes a new one whoever asks, so a stale activation that stopped first would pass any generation check.</remarks>
    public async Task<bool> IsCurrentAsync()
    {
        if (await writer.IsCurrentAsync(id, lifetime))
        {
            return true;
        }

        Log.Stale(logger, id);
        loop.Fence();
        return false;
    }

    /// <summary>Start or resume: a fresh restart budget and a new cursor generation (clearing a stop); the cursor, the
    /// state and the registry row are durable before it returns. Queued as Pending when <paramref name="grant"/> holds
    /// no slot. An accept (<paramref name="acceptVersion"/>) records that handler version in the same step as the new
    /// generation.</summary>
    public async Task StartAsync(WorkerSpec? spec, SlotGrant grant, int? acceptVersion = null)
    {
        loop.RecordWait(grant);
        await loop.RestartAsync();

        // A worker that never existed gets a fresh cursor (checkpoint 0, over what a delete cut short left unless effects
        // remain; fenced like a claim, so a start held up while the id was started elsewhere resets nothing), and the
        // manager wrote its registry row before calling. A known worker (resume, or a new spec after it finished)
        // clears the stop and takes a new generation, and writes its row through, so that a start or resume that
        // returned survives a crash of every silo.
        var known = S.Spec is not null;
        if (spec is not null)
        {
            ownership.Rebind(spec);
        }

        var owned = known ? await AsSeenAsync(() => ownership.StartAsync(acceptVersion, lifetime)) : await TryAsSeenAsync(() => ownership.CreateAsync(lifetime));
        if (owned is null)
        {
            await loop.ReleaseSlotAsync();
            var (events, _) = await ownership.Binding.Output.InspectAsync(id, lifetime);
            var held = events > 0
                ? $"its event stream still holds {events} events kept by an earlier delete that kept them"
                : "its output still holds the cursor and effects of an earlier worker under this id (a delete cut short, or its state lost)";
            throw Errors.OverseerException.Conflict(
                $"worker '{id}' cannot start: {held}, and a new worker under this id begins at seq 1; "
                + "remove them by deleting the worker (without keeping its events), or use another id");
        }

        var checkpoint = owned.Value.Checkpoint;
        var now = services.Time.GetUtcNow();
        void ApplyStart(WorkerState s) => WorkerStateMachine.Start(s, spec, checkpoint, grant.Granted, now);
        ApplyStart(S);
        await writer.WriteAsync(id, ownership.Generation, ApplyStart, lifetime);
        if (known)
        {
            await host.RecordAsync();
        }

        // A run that begins reports itself as it starts (before its first await), so a new worker's row learns of the
        // start from that one report instead of two back to back.
        if (!(grant.Granted && loop.Begin()) && !known)
        {
            host.Report();
        }
    }

    /// <summary>Stop: recorded in the same store step that bumps the generation (fencing every activation anywhere),
    /// then the run is cancelled, Stopped is written and the slot returned.</summary>
    public async Task StopAsync()
    {
        var cursor = await FenceAsync();
        void ApplyStop(WorkerState s) => WorkerStateMachine.Stop(s, cursor.Checkpoint);
        ApplyStop(S);
        await writer.WriteAsync(id, ownership.Generation, ApplyStop, lifetime);
        loop.StopTimers();
        host.Report();
        await loop.ReleaseSlotAsync();
        Log.Stopped(logger, id, S.Checkpoint);
    }

    /// <summary>Delete: a stop (so the state, the registry row and the pool agree while it goes on, and a delete cut short
    /// leaves a stopped worker that a second delete finishes), then the registry row, the state and the cursor (and events
    /// unless <paramref name="keepEvents"/>) are removed, in that order: the worker reads as unknown only once nothing
    /// but what a retry cleans up is left. This activation then goes away. Each step after the stop is fenced by the
    /// stop's generation (the state's writes by their ETag and owner check, the cursor's removal by the store), so a
    /// delete held up between two steps while the worker was deleted and started again removes nothing of the new one.</summary>
    public async Task<DeleteResult> DeleteAsync(bool keepEvents)
    {
        await StopAsync();
        var checkpoint = S.Checkpoint;
        await host.ForgetAsync();
        await writer.ClearAsync(id, ownership.Generation, lifetime);
        var binding = ownership.Binding;
        long removed;
        try
        {
            removed = await binding.Output.DeleteAsync(id, binding, ownership.Generation, keepEvents, lifetime) ?? 0;
        }
        catch (Outputs.GenerationMovedException)
        {
            // Held up after its stop while the worker was deleted and started again: the new worker is not this one's.
            // Not "nothing was done" (this delete's stop, row and state steps were), so not StaleRefusal's words.
            Log.Stale(logger, id);
            loop.Fence();
            throw Errors.OverseerException.Unavailable(
                $"worker '{id}' was taken over elsewhere (deleted and started again) while this delete was held up after its first steps (its silo paused); "
                + $"its cursor and events now belong to the new worker and were left alone: see 'overseer status {id}' before deleting again");
        }

        host.Deactivate();
        Log.Deleted(logger, id, checkpoint, removed, keepEvents);
        return new DeleteResult(id, checkpoint, removed, keepEvents);
    }

    /// <summary>Rewind to <paramref name="toSeq"/> (with the source's <paramref name="token"/> for it): fenced like a stop,
    /// the events after it removed and the cursor moved back in the store, then the state. The worker is left stopped (its
    /// slot, if it holds one, kept): the caller starts it again if it was running. Returns the checkpoint before and the
    /// events removed.</summary>
    public async Task<(long From, long Removed)> RewindAsync(long toSeq, string? token)
    {
        var cursor = await FenceAsync();
        var binding = ownership.Binding;
        var removed = await binding.Output.RewindAsync(id, binding, ownership.Generation, toSeq, token, lifetime) ?? 0;
        // A rewind to 0 removed every effect of the version they were committed with (the store forgot it too).
        ownership.Moved(toSeq, token, toSeq == 0 ? null : cursor.HandlerVersion);
        void ApplyRewind(WorkerState s)
        {
            WorkerStateMachine.Stop(s, 0);
            WorkerStateMachine.Rewind(s, toSeq);
        }

        ApplyRewind(S);
        await writer.WriteAsync(id, ownership.Generation, ApplyRewind, lifetime);
        loop.StopTimers();
        host.Report();
        Log.Rewound(logger, id, cursor.Checkpoint, toSeq, removed);
        return (cursor.Checkpoint, removed);
    }

    /// <summary>An operator's skip of the poison event <paramref name="halt"/> stopped at: takes a new generation (fencing
    /// every other activation, as a resume does) and commits a pass of the event, exactly like a batch, with no handler
    /// and no slot needed. The caller resumes the worker afterwards.</summary>
    public async Task SkipAsync(WorkerHalt halt)
    {
        await loop.RestartAsync();
        var owned = await AsSeenAsync(() => ownership.StartAsync(acceptVersion: null, lifetime));

        var binding = ownership.Binding;
        var pass = new Outputs.CommitBatch(
            ownership.Generation,
            owned.Checkpoint,
            [new Sources.SourceEvent(halt.Seq, halt.Payload ?? string.Empty)],
            Sources.SequenceDensity.Sparse,
            Token: null,
            LeaseUntil: 0,
            binding,
            new Outputs.PoisonPass(DeadLetter: false, halt.ErrorType, halt.Error, halt.Attempts));
        var result = await binding.Output.CommitAsync(id, pass, lifetime);
        if (result.Outcome != Outputs.CommitOutcome.Committed)
        {
            throw Errors.OverseerException.Unavailable(
                $"worker '{id}': the skip of seq {halt.Seq} was not committed ({result.Outcome}: another activation, a stop or a start took the worker over meanwhile); nothing was skipped, retry");
        }

        ownership.Moved(result.Checkpoint, owned.Token);
        WorkerStateMachine.Advance(S, result.Checkpoint);
        services.Instruments.Skipped(byOperator: true);
        Log.Skipped(logger, id, halt.Seq);
    }

    /// <summary>The activation goes away (a move, a graceful shutdown, idle collection): not an exit. The run is
    /// cancelled, the checkpoint saved, and the partition told to bring the worker back; the slot stays the worker's,
    /// held over the time that takes (<see cref="SupervisionLoop.DetachAsync"/>).</summary>
    public async Task HandOverAsync(CancellationToken cancellationToken)
    {
        var supervised = await loop.DetachAsync(cancellationToken);
        if (supervised && !ownership.IsFenced && WorkerStateMachine.ShouldRun(S))
        {
            WorkerStateMachine.Advance(S, loop.Checkpoint);
            try
            {
                await writer.WriteAsync(id, ownership.Generation, reapply: null, cancellationToken);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The next activation re-reads the authoritative checkpoint from the sink.
            }

            host.Report(detached: true);
        }

        lease.Forget();
    }

    /// <summary>Stop wins: the run is interrupted before anything else can interleave, and the stop recorded in the same
    /// store step that bumps the generation, fencing every activation anywhere; returns once the run has ended. Desired
    /// state: not running.</summary>
    /// <remarks>The stop is conditional: it fences only a generation this activation has seen. A command checks first
    /// that its activation is current (<see cref="IsCurrentAsync"/>), but a check is no guard for what follows it: a silo
    /// frozen right after its check's answer was sent wakes up, maybe declared dead, with the worker deleted and started
    /// again elsewhere meanwhile, and goes on as if current (the drill's and <c>StaleActivationTests</c>' late delete).
    /// The store refuses that stop, as it refuses a stale run's commit.</remarks>
    private async Task<Outputs.WorkerCursor> FenceAsync()
    {
        WorkerStateMachine.Stop(S, loop.Checkpoint);
        loop.Interrupt();
        var cursor = await AsSeenAsync(() => ownership.StopAsync(lifetime));
        await loop.EndAsync();
        return cursor;
    }

    /// <summary>A command's step that takes a new generation (a stop, or a start's, resume's, accept's or skip's claim),
    /// made as what this activation has seen: the store refuses it (null) when the cursor holds a generation this
    /// activation has not seen. Either another activation took the worker over (this one is stale: it lets go and the
    /// command is refused) or none did, and this one only missed a generation taken for it (a store step whose answer
    /// was lost, a crash between a claim and the state write that records it). Told apart by the state, read after the
    /// cursor: if no other activation has written the state since this one did, the generation read is taken as seen
    /// and the step tried once more. Any owner after that read has a higher generation, so the second try cannot take
    /// over a worker that moved on after the read either.</summary>
    private async Task<Outputs.WorkerCursor> AsSeenAsync(Func<Task<Outputs.WorkerCursor?>> step) =>
        await TryAsSeenAsync(step) ?? throw Stale();

    /// <summary><see cref="AsSeenAsync"/> for a step the store may also refuse for a reason of its own (a create, over
    /// effects of an earlier worker): null when the step is refused again once the generation is taken as seen. A stale
    /// activation is still refused as such.</summary>
    private async Task<Outputs.WorkerCursor?> TryAsSeenAsync(Func<Task<Outputs.WorkerCursor?>> step)
    {
        if (await step() is { } done)
        {
            return done;
        }

        var stored = await ownership.Binding.Cursors.GetAsync(id, lifetime);
        if (!await writer.IsCurrentAsync(id, lifetime, trustRecentRead: false))
        {
            throw Stale();
        }

        ownership.See(stored.Generation);
        return await step();
    }

    /// <summary>This activation is stale: it lets go (no run, no write) and the command is refused.</summary>
    private Errors.OverseerException Stale()
    {
        Log.Stale(logger, id);
        loop.Fence();
        return StaleRefusal(id);
    }

    /// <summary>The refusal of a command that reached a stale activation: nothing was done, and a retry reaches the live one.</summary>
    public static Errors.OverseerException StaleRefusal(string id) =>
        Errors.OverseerException.Unavailable(
            $"worker '{id}' was reached on a stale activation (another activation has changed it since: this silo was paused or cut off and declared dead); nothing was done, retry to reach the worker");
}
