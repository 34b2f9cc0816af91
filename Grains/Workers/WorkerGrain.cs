using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using Overseer.Errors;
using Overseer.Models;
using Overseer.Pool;
using Overseer.Registry;
using Overseer.Sources;

namespace Overseer.Workers;

/// <summary>One worker: the grain interface and the activation's lifecycle. Its supervision — runs, restart decisions,
/// the backoff timer, the cursor generation — happens inside this activation (<see cref="SupervisionLoop"/>): a crash
/// ends the run, not the activation.</summary>
/// <remarks>
/// Collaborators, one per concern, composed here: <see cref="CursorOwnership"/> (the binding to the output, the
/// generation, claim and fence), <see cref="SupervisionLoop"/> (the run loop, the backoff timer, the slot a run needs,
/// and the keep-alive and heartbeat membership of <see cref="RunPresence"/>), <see cref="WorkerCommands"/> (start, stop,
/// delete, rewind, hand-over), <see cref="WorkerStateMachine"/> (every status change), <see cref="WorkerRun"/> (one
/// run's fetch/commit loop), <see cref="WorkerStateWriter"/> (the ETag rule), <see cref="SlotLease"/> (the pool),
/// <see cref="RunTelemetry"/>. The grain validates requests, applies the idempotence and conflict rules of start, and
/// hosts the rest (timers, reports, deactivation). The partition is informed by one-way reports and only does what a
/// worker cannot do for itself: stall detection, silo-loss recovery, restore and the pool queue.
/// Placement: random, so workers spread over the silos whatever silo starts or restarts them; partitions then even
/// out the spread (see <see cref="MoveToAsync"/>).
/// </remarks>
[RandomPlacement]
internal sealed partial class WorkerGrain(
    WorkerServices services,
    ILogger<WorkerGrain> logger) : Grain, IWorkerGrain, IWorkerHost, IIncomingGrainCallFilter
{
    private const int MaxEventsPerRead = 10_000;
    private readonly CancellationTokenSource _lifetime = new();
    /// <summary>Far enough to mean "while running", finite so that the collector's arithmetic never overflows.</summary>
    private static readonly TimeSpan KeptAliveFor = TimeSpan.FromDays(365);

    private StoredWorkerState _state = null!;
    private SupervisionLoop _loop = null!;

    /// <summary>The token of the calls in progress: cancelled with the activation, like <see cref="_lifetime"/>, and
    /// dropped once no call is in progress (<see cref="IIncomingGrainCallFilter.Invoke"/>). A cancellation source keeps a node for every
    /// registration ever made on it (for reuse), so a source that lived as long as the activation would leave a worker
    /// idling after its start carrying what the start's store and grain calls registered on it.</summary>
    private CancellationTokenSource? _call;
    private int _calls;
    private TaskScheduler _scheduler = null!;
    private long _reportSeq;
    private string? _id;

    /// <summary>Decoded once: <c>GetPrimaryKeyString</c> builds a new string on every call, and the supervisor, the run,
    /// the source, the heartbeat sweep and every snapshot would each hold a copy of their own.</summary>
    private string Id => _id ??= this.GetPrimaryKeyString();

    private WorkerState S => _state.State;

    private IPartitionGrain Partition => services.Grains.PartitionOf(Id);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _scheduler = TaskScheduler.Current;
        _state = new StoredWorkerState(services.Storage, GrainContext);
        await _state.ReadStateAsync(cancellationToken);
        // Held by the loop, and reached through it: one reference each per activation, not two.
        var ownership = new CursorOwnership(Id, _state, services.Outputs);
        var writer = new WorkerStateWriter(_state, ownership, services.Retry, services.Time);
        _loop = new SupervisionLoop(
            Id, _state, services, ownership, writer, new SlotLease(services.Slots, services.Pool), new RunTelemetry(services.Instruments), this, _lifetime.Token, logger);
        if (WorkerIds.Validate(Id) is null)
        {
            // Reactivated after a silo loss, a move, a graceful hand-off or a restore: resume from the checkpoint.
            _loop.Continue();
            ResumeIfHandlerVersionMatches();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Log.Deactivating(logger, Id, reason.ReasonCode.ToString(), _loop.Checkpoint);
        await Commands.HandOverAsync(cancellationToken);
        _lifetime.Cancel();
        _call?.Cancel();
    }

    /// <summary>Every call runs with <see cref="Call"/>, shared by the calls in progress (a posted resume may interleave
    /// with one) and dropped after the last.</summary>
    async Task IIncomingGrainCallFilter.Invoke(IIncomingGrainCallContext context)
    {
        if (_calls++ == 0)
        {
            _call = new CancellationTokenSource();
            if (_lifetime.IsCancellationRequested)
            {
                _call.Cancel();
            }
        }

        try
        {
            await context.Invoke();
        }
        finally
        {
            if (--_calls == 0)
            {
                _call = null;
            }
        }
    }

    /// <summary>Cancelled as the activation ends: the call's (<see cref="_call"/>), or outside a call the activation's own.</summary>
    private CancellationToken Call => _call?.Token ?? _lifetime.Token;

    /// <summary>The commands hold nothing between calls: made for each, with the call's token.</summary>
    private WorkerCommands Commands => new(Id, _state, services, _loop.Ownership, _loop, _loop.Writer, _loop.Lease, this, Call, logger);

    public Task<WorkerInfo> StartAsync(WorkerSpec spec, CancellationToken cancellationToken = default) =>
        StartAsync(spec, StartMode.Queue, cancellationToken);

    public async Task<WorkerInfo> StartAsync(WorkerSpec spec, StartMode mode, CancellationToken cancellationToken = default)
    {
        EnsureValidId();
        await EnsureCurrentAsync();
        services.Sources.Validate(spec);
        if (S.Spec is not null && S.Spec.IsEquivalentTo(spec))
        {
            // Idempotent: the same start again changes nothing (use resume to run a finished worker again).
            if (!WorkerStateMachine.ShouldRun(S))
            {
                return Info();
            }

            if (mode == StartMode.Try && !_loop.IsRunning && !_loop.Lease.Held)
            {
                var grant = await _loop.Lease.AcquireAsync(Id, StartMode.Try, Call);
                if (!grant.Granted)
                {
                    throw PoolFull(grant);
                }
            }

            _loop.Continue();
            return Info();
        }

        if (S.Spec is not null && S.Status.IsLive())
        {
            throw OverseerException.Conflict(
                $"worker '{Id}' is {S.Status.ToString().ToLowerInvariant()} with a different spec ({S.Spec.Describe()}); "
                + $"requested ({spec.Describe()}): stop it first, or use another id");
        }

        // A worker's cursor lives with its output: a new spec may change the handler, never where the cursor is.
        var binding = services.Outputs.Bind(spec);
        if (S.Spec is not null && binding.Output != _loop.Ownership.Binding.Output)
        {
            throw OverseerException.Conflict(
                $"worker '{Id}' keeps its cursor in its {Describe(_loop.Ownership.Binding)}, and the requested spec ({spec.Describe()}) would move it to the {Describe(binding)}: "
                + "delete the worker first, or use another id");
        }

        // A stream worker's seqs are its upstream's: continuing from its checkpoint in another upstream's stream would mix
        // the two. From checkpoint 0 (a rewind to 0 first) it may follow another one, and no longer follows the first.
        if (Sources.Streams.StreamFollowers.UpstreamOf(S.Spec) is { } followed && followed != Sources.Streams.StreamFollowers.UpstreamOf(spec))
        {
            if (_loop.Checkpoint > 0)
            {
                throw OverseerException.Conflict(
                    $"worker '{Id}' has read up to seq {_loop.Checkpoint} of upstream '{followed}', and the requested spec ({spec.Describe()}) would continue in another stream after it: "
                    + $"rewind it to 0 first (overseer rewind {Id} --to 0), delete it, or use another id");
            }

            await services.Followers.UnfollowAsync(Id, S.Spec, Call);
        }

        await services.Followers.FollowAsync(Id, spec, Call);
        return await StartFreshAsync(mode, spec);
    }

    public async Task<WorkerInfo> StopAsync(CancellationToken cancellationToken = default)
    {
        await EnsureCurrentAsync();
        EnsureExists();
        await Commands.StopAsync();
        return Info();
    }

    public async Task<WorkerInfo> ResumeAsync(CancellationToken cancellationToken = default)
    {
        await EnsureCurrentAsync();
        EnsureExists();
        return _loop.IsRunning ? Info() : await StartFreshAsync(StartMode.Queue, spec: null);
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

        var events = await _loop.Ownership.Binding.Output.ReadAsync(Id, fromSeq, count, cancellationToken);
        return [.. events.Select(e => new WorkerEvent(e.Seq, e.Payload))];
    }

    public async Task<DeleteResult> DeleteAsync(bool keepEvents, CancellationToken cancellationToken = default)
    {
        EnsureValidId();
        await EnsureCurrentAsync();
        if (S.Spec is not null)
        {
            if (!keepEvents && _loop.Ownership.Binding.Output.WhyEffectsCannotBeRemoved(_loop.Ownership.Binding) is { } why)
            {
                throw OverseerException.Conflict($"worker '{Id}' cannot be deleted with its effects: {why}; a delete that keeps the events removes the worker and keeps its rows");
            }

            var spec = S.Spec;
            var deleted = await Commands.DeleteAsync(keepEvents);
            await services.Followers.UnfollowAsync(Id, spec, Call);
            return deleted;
        }

        // No worker, but perhaps what a delete cut short or --keep-events left: a delete removes it.
        DeactivateOnIdle();
        var output = services.Outputs.Default;
        var (events, hasCursor) = await output.Output.InspectAsync(Id, Call);
        if (keepEvents ? !hasCursor : events == 0 && !hasCursor)
        {
            throw OverseerException.Unknown(Id);
        }

        await Partition.ForgetAsync(Id, cancellationToken);
        var removed = await output.Output.DeleteAsync(Id, output, generation: null, keepEvents, Call) ?? 0;
        return new DeleteResult(Id, 0, removed, keepEvents);
    }

    public async Task<RewindResult> RewindAsync(long toSeq, CancellationToken cancellationToken = default)
    {
        await EnsureCurrentAsync();
        EnsureExists();
        if (_loop.Ownership.Binding.Output.WhyEffectsCannotBeRemoved(_loop.Ownership.Binding) is { } why)
        {
            throw OverseerException.Conflict($"worker '{Id}' cannot be rewound: {why}; add the hook to the handler, or delete the worker and start it again");
        }

        var cursor = await _loop.Ownership.Binding.Cursors.GetAsync(Id, Call);
        if (toSeq < 0 || toSeq > cursor.Checkpoint)
        {
            throw OverseerException.Invalid(
                $"invalid seq {toSeq} for worker '{Id}': it has committed up to checkpoint {cursor.Checkpoint}; rewind to 0..{cursor.Checkpoint} (0 = from the start)");
        }

        // Asked before anything changes: a source that cannot say what it needs to resume there refuses the rewind.
        var spec = S.Spec!;
        var token = toSeq == 0
            ? null
            : await services.Sources.Resolve(spec.Source).TokenAtAsync(new SourceContext(Id, spec.Options, cursor.Token), toSeq, cancellationToken);
        var wasRunning = WorkerStateMachine.WantsToRun(S);
        var (from, removed) = await Commands.RewindAsync(toSeq, token);
        if (wasRunning)
        {
            await StartFreshAsync(StartMode.Queue, spec: null);
        }

        return new RewindResult(Info(), from, removed);
    }

    public async Task<WorkerInfo> SkipAsync(long? seq, CancellationToken cancellationToken = default)
    {
        await EnsureCurrentAsync();
        EnsureExists();
        if (S.Status != WorkerStatus.Halted || S.Halt is not { Reason: HaltReason.PoisonEvent } halt)
        {
            throw OverseerException.Conflict(HaltDescriptions.Of(Id, S.Status, S.Halt) is { } halted
                ? $"worker '{Id}' is not halted at a poison event: {halted}"
                : $"worker '{Id}' is {S.Status.ToString().ToLowerInvariant()}, not halted at a poison event: skip passes only the event a halted worker stopped at");
        }

        if (seq is { } asked && asked != halt.Seq)
        {
            throw OverseerException.Invalid($"invalid seq {asked} for worker '{Id}': it halted at seq {halt.Seq}, the only event skip can pass (omit --seq, or give {halt.Seq})");
        }

        if (_loop.Ownership.Binding.Output.WhyEventsCannotBePassed is { } why)
        {
            throw OverseerException.Conflict($"worker '{Id}' cannot skip seq {halt.Seq}: {why}; fix the handler and resume it, or rewind it");
        }

        await Commands.SkipAsync(halt);
        return await StartFreshAsync(StartMode.Queue, spec: null);
    }

    public async Task<DeadLetter> ReplayAsync(long seq, CancellationToken cancellationToken = default)
    {
        await EnsureCurrentAsync();
        EnsureExists();
        var letters = DeadLetters();
        try
        {
            var replayed = await letters.ReplayAsync(Id, _loop.Ownership.Binding, seq, Call);
            S.DeadLetters = Math.Max(0, S.DeadLetters - 1);
            ((IWorkerHost)this).Report();
            return replayed;
        }
        catch (Handlers.HandlerFailedException failed)
        {
            await letters.RecordFailureAsync(Id, seq, failed.ErrorType, failed.Error, Call);
            throw OverseerException.Conflict(
                $"replay of worker '{Id}''s dead letter at seq {seq} failed again ({failed.ErrorType}: {failed.Error}): nothing was committed and it stays a dead letter, with one more attempt recorded");
        }
    }

    public async Task<WorkerInfo> DiscardAsync(long seq, CancellationToken cancellationToken = default)
    {
        await EnsureCurrentAsync();
        EnsureExists();
        if (!await DeadLetters().DiscardAsync(Id, seq, Call))
        {
            throw OverseerException.Invalid($"worker '{Id}' has no dead letter at seq {seq}: list them with 'overseer dead-letters {Id}'");
        }

        S.DeadLetters = Math.Max(0, S.DeadLetters - 1);
        ((IWorkerHost)this).Report();
        return Info();
    }

    private Outputs.IDeadLetters DeadLetters() =>
        _loop.Ownership.Binding.Output.DeadLetters
        ?? throw OverseerException.Invalid($"worker '{Id}' has no dead letters: {_loop.Ownership.Binding.Output.WhyEventsCannotBePassed}");

    public Task MoveToAsync(SiloAddress target, CancellationToken cancellationToken = default)
    {
        if (!_loop.IsRunning || _loop.Ownership.IsFenced || !WorkerStateMachine.ShouldRun(S) || target.Equals(services.Silo.SiloAddress))
        {
            return Task.CompletedTask;
        }

        // Migration captures the request context; the placement hint makes the target the new home. The run stops and
        // the checkpoint is saved in OnDeactivateAsync; the new activation claims the cursor and resumes.
        Log.Moving(logger, Id, target.ToString(), _loop.Checkpoint);
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
            await _loop.ReleaseSlotAsync();
            DeactivateOnIdle();
            return null;
        }

        if (!WorkerStateMachine.ShouldRun(S))
        {
            // Idempotent: a worker that should not run holds no slot and has no place in the queue.
            await _loop.ReleaseSlotAsync();
            return Info();
        }

        _loop.Continue();
        return Info();
    }

    /// <summary>Start or resume with a fresh budget. With a full pool the worker is queued as Pending, or
    /// (<see cref="StartMode.Try"/>) refused before anything changes.</summary>
    private static string Describe(Outputs.WorkerBinding binding) =>
        binding.HandlerName is { } h && binding.Handler is Handlers.IPostgresHandler ? $"PostgreSQL output (handler '{h}')" : "Redis stream output";

    private async Task<WorkerInfo> StartFreshAsync(StartMode mode, WorkerSpec? spec, int? acceptVersion = null)
    {
        var grant = await _loop.Lease.AcquireAsync(Id, mode, Call);
        if (!grant.Granted && mode == StartMode.Try)
        {
            throw PoolFull(grant);
        }

        await Commands.StartAsync(spec, grant, acceptVersion);
        return Info();
    }

    void IWorkerHost.Report(bool detached) =>
        Partition.ReportAsync(new WorkerReport(Info(), S.WantsRun, detached)).Ignore();

    WorkerReport IWorkerHost.Snapshot() => new(Info(), S.WantsRun);

    Task IWorkerHost.RecordAsync() =>
        Partition.RecordAsync(new WorkerReport(Info(), S.WantsRun), Call);

    Task IWorkerHost.ForgetAsync() => Partition.ForgetAsync(Id, Call);

    IGrainTimer IWorkerHost.StartTimer(Func<CancellationToken, Task> callback, TimeSpan due, TimeSpan period) =>
        this.RegisterGrainTimer(callback, new GrainTimerCreationOptions(due, period) { KeepAlive = true });

    void IWorkerHost.Wake(string workerId) =>
        services.Grains.PartitionOf(workerId).WakeAsync(workerId).Ignore();

    void IWorkerHost.Deactivate() => DeactivateOnIdle();

    // A negative span cancels the keep-alive (and Timeout.InfiniteTimeSpan, -1 ms, would mean forever).
    void IWorkerHost.KeepAlive(bool on) => DelayDeactivation(on ? KeptAliveFor : TimeSpan.FromTicks(-1));

    void IWorkerHost.Post(Func<Task> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.None, _scheduler).Unwrap().Ignore();

    private WorkerInfo Info()
    {
        var handler = _loop.Handler;
        return new WorkerInfo
        {
            Id = Id,
            Status = S.Status,
            Checkpoint = _loop.Checkpoint,
            Restarts = S.Restarts,
            Silo = services.SiloEndpoint,
            Source = S.Spec?.Source ?? "",
            EventHandler = S.Spec?.Handler,
            LastError = S.LastError,
            Restart = S.Spec?.Restart ?? RestartPolicy.Transient,
            NextRestartAt = S.NextRestartAt,
            UpdatedAt = S.UpdatedAt,
            Handler = _loop.IsRunning ? handler?.Handler : null,
            Failovers = S.Failovers + (handler?.Failovers ?? 0),
            Head = handler?.Head,
            Version = ReportVersion.Of(_loop.Ownership.VersionGeneration, ++_reportSeq),
            Halt = S.Status == WorkerStatus.Halted ? S.Halt : null,
            Poison = S.Spec?.Poison,
            DeadLetters = S.DeadLetters,
            Reorgs = S.Reorgs,
            LastReorg = S.LastReorg,
        };
    }

    private OverseerException PoolFull(SlotGrant grant) =>
        OverseerException.PoolFull(grant.Position > 0
            ? $"pool full: worker '{Id}' is already queued at position {grant.Position} for one of the {services.Pool.MaxRunningWorkers} running-worker slots (Overseer:Pool:MaxRunningWorkers)"
            : $"pool full: all {services.Pool.MaxRunningWorkers} running-worker slots are held (Overseer:Pool:MaxRunningWorkers); worker '{Id}' was not started or queued — start it in queue mode to wait for a slot, or stop another worker");

    private void EnsureValidId()
    {
        if (WorkerIds.Validate(Id) is { } problem)
        {
            throw OverseerException.Invalid(problem);
        }
    }

    /// <summary>Commands act only on the worker's live activation (<see cref="WorkerCommands.IsCurrentAsync"/>); a stale
    /// one refuses as unavailable, which callers retry, and the retry reaches the live activation.</summary>
    private async Task EnsureCurrentAsync()
    {
        if (!await Commands.IsCurrentAsync())
        {
            throw WorkerCommands.StaleRefusal(Id);
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
