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
/// instead of a timer per worker: each partition gets one message about this silo's running workers of that partition
/// (and the snapshots of those that progressed), and with a pool cap every lease is renewed in a few scripts.</summary>
/// <remarks>A worker is in the sweep exactly while a run is in progress in its activation: it joins as the run starts and
/// leaves as the run ends or the activation hands over, so the partition's stall scan still catches a worker whose
/// activation died (it stops being named) and one whose run ended without a word.
/// <para>A message carries only what changed since the partition last heard the whole set (<see cref="HeartbeatChannel"/>,
/// one per partition; <see cref="SiloHeartbeat"/>): an idle silo sends each partition an empty change per interval instead
/// of every running worker's id. The partition's answer asks for the whole set when it lost track, and the sweep sends it
/// at once, so a reactivated partition hears this silo's workers within the same sweep.</para> The sweep runs on the thread pool; it
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
    /// <summary>Per partition, the workers with a run in progress here by id (one activation of a worker per silo).</summary>
    private readonly Dictionary<string, IRunningWorker>[] _running;
    private readonly HeartbeatChannel[] _channels;
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
    private long _wholeSets;
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
        _running = [.. Enumerable.Range(0, grains.PartitionCount).Select(_ => new Dictionary<string, IRunningWorker>(StringComparer.Ordinal))];
        _channels = [.. Enumerable.Range(0, grains.PartitionCount).Select(_ => new HeartbeatChannel())];
    }

    /// <summary>Sweeps completed since the silo started.</summary>
    public long Sweeps => Interlocked.Read(ref _sweeps);

    /// <summary>Heartbeats that carried the whole set (the first to each partition, and each one asked for since).</summary>
    public long WholeSets => Interlocked.Read(ref _wholeSets);

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

    /// <summary>A run started: the worker is in this silo's set from now on, and its partition hears so in the next
    /// heartbeat (idempotent).</summary>
    internal void Join(IRunningWorker worker)
    {
        var partition = PartitionOf(worker);
        lock (_lock)
        {
            if (!_running[partition].TryGetValue(worker.Id, out var known) || !ReferenceEquals(known, worker))
            {
                _running[partition][worker.Id] = worker;
                _channels[partition].Touch(worker.Id);
            }
        }
    }

    /// <summary>The run ended or the activation is going away: the worker is no longer in this silo's set, and its
    /// partition hears so in the next heartbeat (idempotent).</summary>
    internal void Leave(IRunningWorker worker)
    {
        var partition = PartitionOf(worker);
        lock (_lock)
        {
            var running = _running[partition];
            if (running.TryGetValue(worker.Id, out var known) && ReferenceEquals(known, worker))
            {
                running.Remove(worker.Id);
                _channels[partition].Touch(worker.Id);
            }
        }
    }

    /// <summary>One sweep: a heartbeat message to every partition with workers here, or changes to tell (unless the silo
    /// is leaving), then (with a pool cap) the leases, then the partitions' answers — and the whole set at once to each
    /// partition that asked for it.</summary>
    internal async Task SweepAsync(CancellationToken cancellationToken)
    {
        var silo = _silo.SiloAddress.Endpoint.ToString();
        var incarnation = _silo.SiloAddress.Generation;
        var heartbeats = !Volatile.Read(ref _leaving);
        List<IRunningWorker>? leased = _pool.Capped ? [] : null;
        List<(int Partition, Task<HeartbeatAnswer> Answer)>? sent = heartbeats ? [] : null;
        for (var partition = 0; partition < _running.Length; partition++)
        {
            HeartbeatChannel.Draft? draft = null;
            ImmutableArray<WorkerReport>.Builder? changed = null;
            lock (_lock)
            {
                var workers = _running[partition];
                foreach (var worker in workers.Values)
                {
                    if (worker.TakeChanged() is { } report)
                    {
                        (changed ??= ImmutableArray.CreateBuilder<WorkerReport>()).Add(report);
                    }

                    leased?.Add(worker);
                }

                if (heartbeats)
                {
                    draft = _channels[partition].Next(workers.Keys, workers.ContainsKey);
                }
            }

            if (draft is not null)
            {
                Send(partition, new SiloHeartbeat(silo, incarnation, draft.Sequence, draft.Whole, draft.Added, draft.Removed, changed?.ToImmutable() ?? []), sent!);
            }
        }

        if (leased is { Count: > 0 })
        {
            await RenewAsync(leased, cancellationToken);
        }

        if (sent is { Count: > 0 })
        {
            var wanting = await AnswersAsync(sent, cancellationToken);
            if (wanting.Count > 0)
            {
                // A partition that lost track hears the whole set now, not an interval later: its workers stay heard.
                sent.Clear();
                foreach (var partition in wanting)
                {
                    HeartbeatChannel.Draft draft;
                    lock (_lock)
                    {
                        var workers = _running[partition];
                        draft = _channels[partition].Next(workers.Keys, workers.ContainsKey)!;
                    }

                    Send(partition, new SiloHeartbeat(silo, incarnation, draft.Sequence, draft.Whole, draft.Added, draft.Removed, []), sent);
                }

                await AnswersAsync(sent, cancellationToken);
            }
        }

        Interlocked.Increment(ref _sweeps);
    }

    private void Send(int partition, SiloHeartbeat heartbeat, List<(int Partition, Task<HeartbeatAnswer> Answer)> sent)
    {
        if (heartbeat.Whole)
        {
            Interlocked.Increment(ref _wholeSets);
        }

        try
        {
            sent.Add((partition, _grains.Partition(partition).HeartbeatAsync(heartbeat)));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            sent.Add((partition, Task.FromException<HeartbeatAnswer>(ex)));
        }
    }

    /// <summary>Waits for the partitions' answers (one heartbeat interval at most) and tells each channel; returns the
    /// partitions that asked for the whole set.</summary>
    private async Task<List<int>> AnswersAsync(List<(int Partition, Task<HeartbeatAnswer> Answer)> sent, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(sent.Select(s => s.Answer)).WaitAsync(_supervision.HeartbeatInterval, _time, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Each answer is read below: a partition that could not be reached, or did not answer in time, hears the
            // whole set next (and its stall scan pokes the workers it stops hearing from meanwhile).
        }

        var wanting = new List<int>();
        foreach (var (partition, answer) in sent)
        {
            if (!answer.IsCompletedSuccessfully)
            {
                if (answer.IsFaulted)
                {
                    Log.HeartbeatFailed(_logger, partition, answer.Exception.InnerException ?? answer.Exception);
                }
                else
                {
                    answer.Ignore();
                }
            }

            lock (_lock)
            {
                var channel = _channels[partition];
                if (answer.IsCompletedSuccessfully)
                {
                    channel.Answered(answer.Result);
                }
                else
                {
                    channel.Failed();
                }

                if (answer.IsCompletedSuccessfully && channel.WholeWanted)
                {
                    wanting.Add(partition);
                }
            }
        }

        return wanting;
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
