using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Overseer.Hosting;
using Overseer.Models;
using Overseer.Pool;
using Overseer.Registry;

namespace Overseer.Workers;

/// <summary>The heartbeat of every worker running on this silo, in one sweep per <see cref="SupervisionOptions.HeartbeatInterval"/>
/// instead of a timer per worker: each partition gets one message naming this silo's running workers of that partition
/// (and the snapshots of those that progressed), and with a pool cap every lease is renewed in a few scripts.</summary>
/// <remarks>A worker is in the sweep exactly while a run is in progress in its activation: it joins as the run starts and
/// leaves as the run ends or the activation hands over, so the partition's stall scan still catches a worker whose
/// activation died (it stops being named) and one whose run ended without a word. The sweep runs on the thread pool; it
/// only touches the workers through <see cref="IRunningWorker"/>, whose members are safe from any thread, and posts
/// anything else (a lost lease) to the worker's activation.
/// <para>A silo that shuts down stops its heartbeats as it begins to leave (its partitions leave with it, and the others
/// learn of it from membership) but renews leases until its grains are deactivated: Orleans stops the
/// <see cref="ServiceLifecycleStage.Active"/> stage before it deactivates any grain, and its workers run, and commit, until
/// each hands over, which holds its slot from there (<see cref="SupervisionLoop.DetachAsync"/>).</para></remarks>
internal sealed partial class HeartbeatSweep : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>Workers per renewal script: a script blocks Redis while it runs.</summary>
    private const int RenewChunk = 500;

    private readonly Lock _lock = new();
    private readonly HashSet<IRunningWorker>[] _running;
    private readonly OverseerGrains _grains;
    private readonly SlotPool _pool;
    private readonly PoolOptions _poolOptions;
    private readonly SupervisionOptions _supervision;
    private readonly ILocalSiloDetails _silo;
    private readonly TimeProvider _time;
    private readonly ILogger<HeartbeatSweep> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private long _sweeps;
    private bool _leaving;

    public HeartbeatSweep(
        OverseerGrains grains,
        SlotPool pool,
        IOptions<PoolOptions> poolOptions,
        IOptions<SupervisionOptions> supervision,
        ILocalSiloDetails silo,
        TimeProvider time,
        ILogger<HeartbeatSweep> logger)
    {
        _grains = grains;
        _pool = pool;
        _poolOptions = poolOptions.Value;
        _supervision = supervision.Value;
        _silo = silo;
        _time = time;
        _logger = logger;
        _running = [.. Enumerable.Range(0, grains.PartitionCount).Select(_ => new HashSet<IRunningWorker>())];
    }

    /// <summary>Sweeps completed since the silo started.</summary>
    public long Sweeps => Interlocked.Read(ref _sweeps);

    /// <summary>Workers with a run in progress on this silo.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _running.Sum(p => p.Count);
            }
        }
    }

    public void Participate(ISiloLifecycle lifecycle)
    {
        lifecycle.Subscribe(nameof(HeartbeatSweep), ServiceLifecycleStage.Active, OnStartAsync, OnLeavingAsync);
        // Stopped after the grains are deactivated (ServiceLifecycleStage.GrainDeactivation, above ApplicationServices).
        lifecycle.Subscribe(nameof(HeartbeatSweep), ServiceLifecycleStage.ApplicationServices, _ => Task.CompletedTask, OnStopAsync);
    }

    /// <summary>A run started: the worker is named in every heartbeat from now on (idempotent).</summary>
    internal void Join(IRunningWorker worker)
    {
        var partition = PartitionOf(worker);
        lock (_lock)
        {
            _running[partition].Add(worker);
        }
    }

    /// <summary>The run ended or the activation is going away: the worker is no longer named (idempotent).</summary>
    internal void Leave(IRunningWorker worker)
    {
        var partition = PartitionOf(worker);
        lock (_lock)
        {
            _running[partition].Remove(worker);
        }
    }

    /// <summary>One sweep: a heartbeat message to every partition with workers here (unless the silo is leaving), then
    /// (with a pool cap) the leases.</summary>
    internal async Task SweepAsync(CancellationToken cancellationToken)
    {
        var silo = _silo.SiloAddress.Endpoint.ToString();
        var heartbeats = !Volatile.Read(ref _leaving);
        List<IRunningWorker>? leased = _pool.Capped ? [] : null;
        for (var partition = 0; partition < _running.Length; partition++)
        {
            ImmutableArray<string> ids;
            ImmutableArray<WorkerReport>.Builder? changed = null;
            lock (_lock)
            {
                var workers = _running[partition];
                if (workers.Count == 0)
                {
                    continue;
                }

                var builder = ImmutableArray.CreateBuilder<string>(workers.Count);
                foreach (var worker in workers)
                {
                    builder.Add(worker.Id);
                    if (worker.TakeChanged() is { } report)
                    {
                        (changed ??= ImmutableArray.CreateBuilder<WorkerReport>()).Add(report);
                    }

                    leased?.Add(worker);
                }

                ids = builder.MoveToImmutable();
            }

            if (!heartbeats)
            {
                continue;
            }

            try
            {
                _grains.Partition(partition).HeartbeatsAsync(new WorkerHeartbeats(silo, ids, changed?.ToImmutable() ?? [])).Ignore();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // One-way: a partition that cannot be reached now pokes the workers it stops hearing from.
                Log.HeartbeatFailed(_logger, partition, ids.Length, ex);
            }
        }

        if (leased is { Count: > 0 })
        {
            await RenewAsync(leased, cancellationToken);
        }

        Interlocked.Increment(ref _sweeps);
    }

    private async Task RenewAsync(List<IRunningWorker> workers, CancellationToken cancellationToken)
    {
        foreach (var chunk in workers.Chunk(RenewChunk))
        {
            long[] until;
            try
            {
                until = await _pool.RenewManyAsync([.. chunk.Select(w => w.Id)], _poolOptions.SlotLease, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Redis is unreachable: the next sweep tries again, and a commit under an expired lease renews for itself.
                Log.RenewFailed(_logger, chunk.Length, ex);
                return;
            }

            for (var i = 0; i < chunk.Length; i++)
            {
                if (until[i] > 0)
                {
                    chunk[i].LeaseRenewed(until[i]);
                }
                else
                {
                    chunk[i].LeaseLost();
                }
            }
        }
    }

    private int PartitionOf(IRunningWorker worker) => WorkerPartitioner.PartitionOf(worker.Id, _running.Length);

    private Task OnStartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private Task OnLeavingAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _leaving, true);
        return Task.CompletedTask;
    }

    private async Task OnStopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_supervision.HeartbeatInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await SweepAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.SweepFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
