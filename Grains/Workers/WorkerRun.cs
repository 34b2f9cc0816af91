using Overseer.Handlers;
using Overseer.Models;
using Overseer.Pool;
using Overseer.Outputs;
using Overseer.Sources;
using Overseer.Supervision;

namespace Overseer.Workers;

/// <summary>One run of a worker: a fresh source from the cursor, then fetch and commit until the source is exhausted,
/// throws, or the run is cancelled, fenced or loses its slot.</summary>
/// <remarks>Runs on the activation's scheduler (no <c>ConfigureAwait(false)</c>), so the grain reads
/// <see cref="Checkpoint"/> and <see cref="Handler"/> between its turns without locks. Every commit carries the
/// generation, the lease and the density, and the sink refuses it atomically if any no longer holds; a transient Redis
/// failure is retried through the shared pipeline (an outage, never a crash). A commit waits for one of the silo's
/// commit permits (<see cref="CommitThrottle"/>) first.
/// <para>Poison events: a batch its handler fails on (<see cref="HandlerFailedException"/>, never an outage) is bisected,
/// so that every event before and after the failing ones commits; an event that fails alone is retried as the spec's
/// <see cref="PoisonPolicy"/> says (after the restart backoff), then halts the run, or is passed — skipped, or kept as a
/// dead letter — by a commit of its own, fenced like any other. A piece of a bisected batch keeps the stored source token
/// unless it ends the batch.</para>
/// <para>Handler versions: the run commits with its handler's version as it starts, and every commit carries it. A cursor
/// whose effects were committed with another version halts the run (<see cref="HaltReason.HandlerVersion"/>) before it
/// fetches anything, and the store refuses such a commit too (<see cref="CommitOutcome.VersionChanged"/>), so that the
/// two versions' effects are never mixed, whichever silos run the worker (<see cref="HandlerVersions"/>).</para>
/// <para>A source that must not go on (<see cref="SourceHaltException"/>, e.g. a reorg it cannot undo) halts the run at
/// its checkpoint, with no restart counted.</para></remarks>
internal sealed class WorkerRun(
    string workerId,
    WorkerSpec spec,
    IEventSourceFactory factory,
    long generation,
    WorkerCursor cursor,
    WorkerBinding binding,
    SlotLease lease,
    CommitThrottle commits,
    RunTelemetry telemetry,
    IRunProgress progress)
{
    /// <summary>The version of the handler this run commits with (null: no handler), read once: a deploy replaces the
    /// process, so a run never sees it change.</summary>
    private readonly int? _version = binding.Handler?.Version;

    /// <summary>The handler version the cursor holds, as far as this run knows (its first commit records its own).</summary>
    public int? CommittedVersion { get; private set; } = cursor.HandlerVersion;

    /// <summary>The last committed sequence number.</summary>
    public long Checkpoint { get; private set; } = cursor.Checkpoint;

    /// <summary>The source token committed with <see cref="Checkpoint"/>.</summary>
    public string? Token { get; private set; } = cursor.Token;

    /// <summary>The source's status (handler, failovers, head), if it reports one.</summary>
    public ISourceHandlerStatus? Handler { get; private set; }

    /// <summary>Whether the run has committed anything yet: its first commit waits in the commit cap's first lane
    /// (<see cref="CommitThrottle"/>).</summary>
    private bool _committed;

    /// <summary>Why the run crashed, when it did.</summary>
    public string? Error { get; private set; }

    /// <summary>Where and why the run halted (<see cref="RunExit.Halted"/>).</summary>
    public WorkerHalt? Halt { get; private set; }

    /// <summary>The source's <see cref="SourceBatch.FinalThrough"/> as of the batch being committed: what the output
    /// journals above, so that a rollback can undo it.</summary>
    private long? _finalThrough;

    /// <summary>The batch span of the fetch in progress (<see cref="FetchAsync"/> to <see cref="EndBatch"/>).</summary>
    private System.Diagnostics.Activity? _batch;

    /// <summary>How the run ended before it fetched anything (<see cref="Open"/> returned null).</summary>
    public RunExit Refused { get; private set; } = RunExit.Crashed;

    // The run is driven in steps by its supervisor (SupervisionLoop.SuperviseAsync), which awaits each fetch in its own
    // frame: an idle worker waits in that one frame of ours (and its source's), not in a frame of the run's as well. The
    // steps classify an exception as the one try/catch of a run loop would (Failed): cancelled, halted by its source, or
    // crashed.

    /// <summary>Opens the run's source from the cursor; null when the run ends before it fetches (<see cref="Refused"/> says
    /// how). Checked before the source exists: a run that may not commit fetches nothing (for evm, nothing from the node).</summary>
    public IEventSource? Open(CancellationToken cancellationToken)
    {
        try
        {
            if (HandlerVersions.Differ(CommittedVersion, _version))
            {
                Refused = HaltOnVersion();
                return null;
            }

            var source = factory.Create(new SourceContext(workerId, spec.Options, Token));
            Handler = source as ISourceHandlerStatus;
            return source;
        }
        catch (Exception ex)
        {
            Refused = Failed(ex, cancellationToken);
            return null;
        }
    }

    /// <summary>The wait before the next fetch of a paced source (<see cref="IPacedSource"/>), which the caller waits out
    /// before <see cref="FetchAsync"/>; zero when there is none (or the source waits in its fetch).</summary>
    public static TimeSpan PaceOf(IEventSource source) => source is IPacedSource paced ? paced.Pace : TimeSpan.Zero;

    /// <summary>Starts the next fetch (<paramref name="paced"/>: its <see cref="PaceOf"/> waited out already), in a batch
    /// span that stays current until <see cref="EndBatch"/>; the caller awaits the fetch (without throwing) and hands it to
    /// <see cref="AfterFetchAsync"/>. A failure is carried by the task.</summary>
    public Task<SourceBatch> FetchAsync(IEventSource source, bool paced, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromException<SourceBatch>(new OperationCanceledException(cancellationToken));
        }

        _batch = telemetry.StartBatch(workerId, spec.Source);
        try
        {
            return telemetry.FetchAsync(source, Checkpoint, paced, cancellationToken);
        }
        catch (Exception ex)
        {
            return Task.FromException<SourceBatch>(ex);
        }
    }

    /// <summary>After <paramref name="fetch"/> (completed): commits its batch, or rolls back after a reorg. Null when the
    /// run goes on with the next fetch, else how it ended.</summary>
    public async Task<RunExit?> AfterFetchAsync(Task<SourceBatch> fetch, IEventSource source, CancellationToken cancellationToken)
    {
        try
        {
            // Completed already. A failure is taken from the task as it is, not thrown again (a crash's exception is
            // thrown once, by the source): as awaiting it in a loop of the run's own would have caught it.
            if (fetch.IsFaulted && fetch.Exception.InnerException is { } failed)
            {
                if (failed is SourceRollbackException rollback && !cancellationToken.IsCancellationRequested)
                {
                    if (await RollBackAsync(rollback, cancellationToken) is { } stopped)
                    {
                        return stopped;
                    }

                    progress.Progressed(this);
                    return null;
                }

                return Failed(failed, cancellationToken);
            }

            var batch = await fetch;

            _finalThrough = batch.FinalThrough;
            if (batch.Events.Count > 0 && await CommitAsync(batch.Events, batch.Token, source.Density ?? factory.Density, cancellationToken) is { } ended)
            {
                return ended;
            }

            progress.Progressed(this);
            return batch.Exhausted ? RunExit.Completed : null;
        }
        catch (Exception ex)
        {
            return Failed(ex, cancellationToken);
        }
    }

    /// <summary>Ends the batch span of the last fetch (on the caller's context, where <see cref="FetchAsync"/> started it).</summary>
    public void EndBatch()
    {
        _batch?.Dispose();
        _batch = null;
    }

    /// <summary>The run ended with <paramref name="exit"/>: disposes its source (a failure to do so is the run's exit).</summary>
    public async Task<RunExit> CloseAsync(IEventSource source, RunExit exit, CancellationToken cancellationToken)
    {
        try
        {
            await source.DisposeAsync();
            return exit;
        }
        catch (Exception ex)
        {
            return Failed(ex, cancellationToken);
        }
    }

    /// <summary>How an exception ends the run: stopped, moved or deactivating (whatever was committed stays committed), halted
    /// by its source, or crashed.</summary>
    private RunExit Failed(Exception ex, CancellationToken cancellationToken)
    {
        switch (ex)
        {
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return RunExit.Cancelled;
            case SourceHaltException halt when !cancellationToken.IsCancellationRequested:
                return HaltOnSource(halt);
            default:
                Error = ex.Message;
                return RunExit.Crashed;
        }
    }

    /// <summary>The source's history changed under the checkpoint (<see cref="SourceRollbackException"/>): its effects after
    /// the common point are undone, and the checkpoint and token moved back, in one fenced step of the output; null when
    /// rolled back (the same source goes on from there), else how the run ends. An output that cannot undo effects halts
    /// the run (<see cref="HaltReason.Reorg"/>).</summary>
    private async Task<RunExit?> RollBackAsync(SourceRollbackException rollback, CancellationToken cancellationToken)
    {
        var result = await binding.Output.RollBackAsync(workerId, new CommitRollback(generation, Checkpoint, rollback.ToSeq, rollback.Token, binding), cancellationToken);
        if (result.Refusal is { } why)
        {
            return HaltOnSource(new SourceHaltException(HaltReason.Reorg, $"{rollback.Message}; worker '{workerId}' cannot roll back to {rollback.ToSeq}: {why}"));
        }

        switch (result.Outcome)
        {
            case CommitOutcome.Committed:
                Checkpoint = result.Checkpoint;
                Token = rollback.Token;
                telemetry.RecordRollback(workerId, spec.Source, rollback, result.Removed);
                await progress.RolledBackAsync(this, Checkpoint, result.Removed, rollback.Message);
                return null;
            case CommitOutcome.StoreBehind or CommitOutcome.StoreAhead:
                return StoreMoved(result.Outcome);
            default:
                return RunExit.Fenced;
        }
    }

    /// <summary>A commit or a rollback found the store elsewhere than the run's checkpoint, under the run's own generation:
    /// behind it (it lost acknowledged commits) or ahead of it (it holds commits the run does not know of). Nothing was
    /// written; the stored cursor is the truth, and the supervisor resumes from it.</summary>
    private static RunExit StoreMoved(CommitOutcome outcome) =>
        outcome == CommitOutcome.StoreBehind ? RunExit.StoreBehind : RunExit.StoreAhead;

    /// <summary>The source said it must not go on (<see cref="SourceHaltException"/>): the run halts at its checkpoint.</summary>
    private RunExit HaltOnSource(SourceHaltException halt)
    {
        telemetry.RecordSourceHalt(workerId, halt);
        Halt = new WorkerHalt(halt.Reason, Checkpoint, null, halt.GetType().FullName ?? halt.GetType().Name, halt.Message, 1, progress.Now);
        Error = halt.Message;
        return RunExit.Halted;
    }

    /// <summary>Commits <paramref name="events"/>; null when all of them committed or were passed, else how the run ends.
    /// A handler failure bisects them.</summary>
    private async Task<RunExit?> CommitAsync(IReadOnlyList<SourceEvent> events, string? token, SequenceDensity density, CancellationToken cancellationToken)
    {
        try
        {
            return await CommitOnceAsync(events, token, density, pass: null, cancellationToken);
        }
        catch (HandlerFailedException failure)
        {
            return await IsolateAsync(events, token, density, failure, cancellationToken);
        }
    }

    /// <summary><paramref name="events"/> failed: commits its halves in turn (each bisected again if it fails), so the
    /// good neighbours of a poison event commit and the poison event is left alone for the policy.</summary>
    private async Task<RunExit?> IsolateAsync(
        IReadOnlyList<SourceEvent> events, string? token, SequenceDensity density, HandlerFailedException failure, CancellationToken cancellationToken)
    {
        if (events.Count == 1)
        {
            return await PoisonAsync(events[0], token, density, failure, cancellationToken);
        }

        var half = events.Count / 2;
        SourceEvent[] first = [.. events.Take(half)], second = [.. events.Skip(half)];
        return await CommitAsync(first, token: null, density, cancellationToken)
            ?? await CommitAsync(second, token, density, cancellationToken);
    }

    /// <summary>The handler failed on <paramref name="poison"/> alone: retried as the policy says, then halts the run or is
    /// passed (skipped, or kept as a dead letter) by a fenced commit of its own.</summary>
    private async Task<RunExit?> PoisonAsync(
        SourceEvent poison, string? token, SequenceDensity density, HandlerFailedException failure, CancellationToken cancellationToken)
    {
        var policy = spec.PoisonOrDefault;
        var attempts = 1;
        while (attempts <= policy.Retries)
        {
            await progress.BeforePoisonRetryAsync(attempts, cancellationToken);
            attempts++;
            try
            {
                return await CommitOnceAsync([poison], token, density, pass: null, cancellationToken);
            }
            catch (HandlerFailedException again)
            {
                failure = again;
            }
        }

        if (policy.Action == PoisonAction.Halt)
        {
            telemetry.RecordPoison(workerId, poison.Seq, policy.Action, failure);
            Halt = new WorkerHalt(HaltReason.PoisonEvent, poison.Seq, poison.Payload, failure.ErrorType, failure.Error, attempts, progress.Now);
            Error = failure.Message;
            return RunExit.Halted;
        }

        var deadLetter = policy.Action == PoisonAction.DeadLetter;
        var ended = await CommitOnceAsync([poison], token, density, new PoisonPass(deadLetter, failure.ErrorType, failure.Error, attempts), cancellationToken);
        if (ended is null)
        {
            telemetry.RecordPoison(workerId, poison.Seq, policy.Action, failure);
            if (deadLetter)
            {
                progress.DeadLettered();
            }
        }

        return ended;
    }

    /// <summary>The cursor holds another handler version's effects: the run halts at its checkpoint, having committed
    /// nothing.</summary>
    private RunExit HaltOnVersion()
    {
        var (committed, current) = (CommittedVersion!.Value, _version!.Value);
        Halt = HandlerVersions.Halt(workerId, binding.HandlerName, committed, current, Checkpoint, progress.Now, binding.Output.WhyEffectsCannotBeRemoved(binding));
        Error = Halt.Error;
        telemetry.RecordVersionHalt(workerId, committed, current);
        return RunExit.Halted;
    }

    /// <summary>One commit of <paramref name="events"/> (or a pass of one); null when committed, else how the run ends.</summary>
    private async Task<RunExit?> CommitOnceAsync(
        IReadOnlyList<SourceEvent> events, string? token, SequenceDensity density, PoisonPass? pass, CancellationToken cancellationToken)
    {
        while (true)
        {
            var expected = Checkpoint;
            var request = new CommitBatch(generation, expected, events, density, token, lease.CommitLease, binding, pass, _version, _finalThrough);

            // One commit is never abandoned halfway (Redis' own timeout bounds it); only the wait for a permit and the
            // retries are cancellable.
            CommitResult result;
            using (await commits.EnterAsync(first: !_committed, cancellationToken))
            {
                result = await telemetry.CommitAsync(spec.Source, expected, events.Count, () =>
                    binding.Output.CommitAsync(workerId, request, cancellationToken));
            }

            switch (result.Outcome)
            {
                case CommitOutcome.Committed:
                    _committed = true;
                    Checkpoint = result.Checkpoint;
                    Token = token ?? Token;
                    CommittedVersion = _version ?? CommittedVersion;
                    return null;
                case CommitOutcome.Fenced:
                    return RunExit.Fenced;
                case CommitOutcome.VersionChanged:
                    // Another version's effects were committed since this run started (an accept elsewhere would also have
                    // fenced it; this is the store's own guard).
                    Checkpoint = result.Checkpoint;
                    CommittedVersion = result.HandlerVersion;
                    return HaltOnVersion();
                case CommitOutcome.StoreBehind or CommitOutcome.StoreAhead:
                    return StoreMoved(result.Outcome);
                default:
                    // The lease ran out (a pause longer than SlotLease): hold a slot again before this batch may land.
                    if (!await lease.RenewAsync(workerId, cancellationToken))
                    {
                        return RunExit.SlotLost;
                    }

                    break;
            }
        }
    }
}
