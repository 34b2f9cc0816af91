using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Overseer.Errors;

namespace Overseer.Admission;

/// <summary>A silo that was paused (SIGSTOP, a frozen VM, a long stop-the-world pause) may have been declared dead
/// meanwhile, and the cluster moved its workers elsewhere; what it finds queued when it wakes — an operator's command
/// sent before the pause, a client's request whose caller gave up and retried elsewhere — must not act on them. So after
/// a pause, and before any call of an Overseer grain interface, this silo re-reads the membership table: if it has been
/// declared dead it refuses every such call as unavailable (callers retry, and reach a live silo) until Orleans stops it.</summary>
/// <remarks>
/// A pause is seen as a gap in a 100 ms tick on the monotonic clock (which runs on while the process is stopped): a gap
/// over <see cref="PauseThreshold"/>, whether the tick or a call notices it first, marks the silo suspect until a
/// refresh shows it active. The threshold is below the quickest death declaration Orleans allows (missed probes, each at
/// least 1 s), so a silo cannot be declared dead without a gap that long; a machine so starved that the tick lags that
/// much costs one extra read of the membership table. The check is on the monotonic clock, not the wall clock, and one
/// refresh serves every call waiting on it. Calls of other interfaces (the runtime's own, the dashboard's) pass.
/// <para>The cursor generation fences what a run commits and the state's ETag what a stale activation's command writes
/// (<c>WorkerCommands.IsCurrentAsync</c>); this guard covers what neither sees: a request that a paused silo's
/// stateless manager would send on to the worker's live activation.</para>
/// </remarks>
internal sealed partial class PauseGuard(IClusterMembershipService membership, ILocalSiloDetails silo, ILogger<PauseGuard> logger)
    : IIncomingGrainCallFilter, ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>A gap in the tick at least this long is a pause.</summary>
    public static readonly TimeSpan PauseThreshold = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(100);
    private static readonly Assembly Contract = typeof(IWorkerGrain).Assembly;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private long _lastTick = Stopwatch.GetTimestamp();
    private volatile bool _suspect;
    private volatile bool _declaredDead;
    private Task? _checking;
    private Task? _ticker;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(PauseGuard), ServiceLifecycleStage.RuntimeInitialize, OnStartAsync, OnStopAsync);

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod.DeclaringType?.Assembly != Contract)
        {
            return context.Invoke();
        }

        // Read the tick before the mark: the ticker writes the mark before the tick, so a fresh tick after a pause
        // comes with the mark set.
        var sinceTick = Stopwatch.GetElapsedTime(Volatile.Read(ref _lastTick));
        return _declaredDead || _suspect || sinceTick >= PauseThreshold
            ? CheckThenInvokeAsync(context, sinceTick)
            : context.Invoke();
    }

    private async Task CheckThenInvokeAsync(IIncomingGrainCallContext context, TimeSpan sinceTick)
    {
        Task check;
        lock (_gate)
        {
            check = _checking ??= Task.Run(() => CheckAsync(sinceTick));
        }

        await check;
        if (_declaredDead)
        {
            throw OverseerException.Unavailable(
                $"silo {silo.SiloAddress.Endpoint} was paused and the cluster has declared it dead; it does nothing more (Orleans stops it), and a retry reaches a live silo");
        }

        await context.Invoke();
    }

    private async Task CheckAsync(TimeSpan pause)
    {
        try
        {
            await membership.Refresh(default, _stopping.Token);
            var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
            // Joining, shutting down or stopping is still a member (a hand-over must go on); only Dead is not.
            if (status != SiloStatus.Dead)
            {
                Log.StillMember(logger, pause.TotalSeconds, status.ToString());
                _suspect = false;
                Volatile.Write(ref _lastTick, Stopwatch.GetTimestamp());
            }
            else if (!_declaredDead)
            {
                _declaredDead = true;
                Log.DeclaredDead(logger, pause.TotalSeconds, status.ToString());
            }
        }
        finally
        {
            lock (_gate)
            {
                _checking = null;
            }
        }
    }

    private Task OnStartAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _lastTick, Stopwatch.GetTimestamp());
        _ticker = Task.Run(() => TickAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task OnStopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_ticker is not null)
        {
            await _ticker.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TickInterval);
        while (await timer.WaitForNextTickAsync(cancellationToken).AsTask().ContinueWith(t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default))
        {
            if (Stopwatch.GetElapsedTime(Volatile.Read(ref _lastTick)) >= PauseThreshold)
            {
                _suspect = true;
            }

            if (!_suspect)
            {
                Volatile.Write(ref _lastTick, Stopwatch.GetTimestamp());
            }
        }
    }
}
