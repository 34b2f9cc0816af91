using Overseer.Pool;
using System.Diagnostics.Metrics;
using Overseer.Models;
using Overseer.Supervision;

namespace Overseer.Diagnostics;

/// <summary>The Overseer meter (named <see cref="OverseerTelemetry.Name"/>) and its instruments, one per silo (created
/// through <see cref="IMeterFactory"/>, so a test can tell silos' meters apart by <see cref="Meter.Scope"/>).</summary>
/// <remarks>Tags are low-cardinality only: source kind, restart reason, status, partition number — never a worker id.</remarks>
internal sealed class OverseerInstruments
{
    internal const string EventsIndexedName = "overseer.events-indexed";
    internal const string CommitDurationName = "overseer.commit-duration";
    internal const string RestartsName = "overseer.restarts";
    internal const string FailuresName = "overseer.failures";
    internal const string FailoversName = "overseer.failovers";
    internal const string SwitchBacksName = "overseer.switch-backs";
    internal const string WorkersName = "overseer.workers";
    internal const string LagName = "overseer.lag";
    internal const string PoolInUseName = "overseer.pool-in-use";
    internal const string PoolPendingName = "overseer.pool-pending";
    internal const string PoolWaitName = "overseer.pool-wait";
    internal const string ReplicaAckDurationName = "overseer.replica-ack-duration";
    internal const string ReplicaAckShortfallsName = "overseer.replica-ack-shortfalls";
    internal const string DeadLettersName = "overseer.dead-letters";
    internal const string HaltedName = "overseer.halted";
    internal const string SkippedName = "overseer.skipped";
    internal const string ReorgsName = "overseer.reorgs";
    internal const string ReorgDepthName = "overseer.reorg-depth";

    private static readonly WorkerStatus[] Statuses = Enum.GetValues<WorkerStatus>();
    private static readonly string[] StatusNames = [.. Statuses.Select(s => s.ToString().ToLowerInvariant())];

    private readonly PartitionSnapshots _snapshots;
    private readonly Counter<long> _eventsIndexed;
    private readonly Histogram<double> _commitDuration;
    private readonly Counter<long> _restarts;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _failovers;
    private readonly Counter<long> _switchBacks;
    private readonly ObservableGauge<int> _workers;
    private readonly ObservableGauge<long> _lag;
    private readonly PoolSnapshot _pool;
    private readonly ObservableGauge<long> _poolInUse;
    private readonly ObservableGauge<long> _poolPending;
    private readonly Histogram<double> _poolWait;
    private readonly Histogram<double> _replicaAckDuration;
    private readonly Counter<long> _replicaAckShortfalls;
    private readonly Counter<long> _deadLetters;
    private readonly Counter<long> _halted;
    private readonly Counter<long> _skipped;
    private readonly Counter<long> _reorgs;
    private readonly Histogram<long> _reorgDepth;

    /// <summary>Created by DI in the silo; not for use outside Overseer.</summary>
    public OverseerInstruments(IMeterFactory meters, PartitionSnapshots snapshots, PoolSnapshot pool)
    {
        _snapshots = snapshots;
        _pool = pool;
        var meter = Meter = meters.Create(OverseerTelemetry.Name);
        _eventsIndexed = meter.CreateCounter<long>(EventsIndexedName, "{event}", "Events committed to the sink (tag source: the source kind).");
        _commitDuration = meter.CreateHistogram<double>(CommitDurationName, "ms", "Latency of one batch commit to the sink, retries included.");
        _restarts = meter.CreateCounter<long>(RestartsName, "{restart}", "Restarts decided by supervision (tag reason: crash or completed).");
        _failures = meter.CreateCounter<long>(FailuresName, "{worker}", "Workers that ended Failed (restart intensity exceeded, or a temporary worker crashed).");
        _failovers = meter.CreateCounter<long>(FailoversName, "{failover}", "Source handler switches from push to poll.");
        _switchBacks = meter.CreateCounter<long>(SwitchBacksName, "{switch}", "Source handler switches from poll back to push.");
        _workers = meter.CreateObservableGauge(WorkersName, ObserveWorkers, "{worker}", "Registry rows per status, from the partitions active on this silo.");
        _lag = meter.CreateObservableGauge(LagName, ObserveLag, "{event}", "Per partition: sum over running workers of source head minus checkpoint, where the head is known.");
        _poolInUse = meter.CreateObservableGauge(PoolInUseName, () => ObservePool(p => p.InUse), "{slot}", "Running-worker pool slots held, cluster-wide (reported by the silo hosting partition 0).");
        _poolPending = meter.CreateObservableGauge(PoolPendingName, () => ObservePool(p => p.Pending), "{worker}", "Workers queued for a running-worker pool slot, cluster-wide (reported by the silo hosting partition 0).");
        _poolWait = meter.CreateHistogram<double>(PoolWaitName, "ms", "Time a worker waited in the pool queue before it got a slot (0 for an immediate grant).");
        _replicaAckDuration = meter.CreateHistogram<double>(ReplicaAckDurationName, "ms", "With Overseer:Redis:MinReplicaAcks: how long a write waited for enough replicas to acknowledge it (WAIT).");
        _replicaAckShortfalls = meter.CreateCounter<long>(ReplicaAckShortfallsName, "{write}", "With Overseer:Redis:MinReplicaAcks: writes that too few replicas acknowledged in time (retried as an outage).");
        _deadLetters = meter.CreateCounter<long>(DeadLettersName, "{event}", "Poison events passed and kept as dead letters (poison policy dead-letter).");
        _halted = meter.CreateCounter<long>(HaltedName, "{worker}", "Workers halted (tag reason: poison-event, handler-version or reorg); overseer.workers{status=halted} counts those still halted.");
        _reorgs = meter.CreateCounter<long>(ReorgsName, "{reorg}", "Reorgs of its source a worker rolled back (tag source: the source kind); one it cannot undo halts it (overseer.halted, reason reorg).");
        _reorgDepth = meter.CreateHistogram<long>(ReorgDepthName, "{block}", "Depth of each reorg rolled back, in the source's units (evm: blocks after the common ancestor; stream: seqs from its upstream's rollback target up to the follower's checkpoint).");
        _skipped = meter.CreateCounter<long>(SkippedName, "{event}", "Poison events passed without their effects (tag by: policy, or operator for overseer skip).");
    }

    /// <summary>This silo's Overseer meter.</summary>
    internal Meter Meter { get; }

    /// <summary>Whether anyone listens to the registry gauges; partitions skip building snapshots otherwise.</summary>
    internal bool SnapshotsObserved => _workers.Enabled || _lag.Enabled;

    /// <summary>Whether anyone listens to the pool gauges; partition 0 skips reading the pool's status otherwise.</summary>
    internal bool PoolObserved => _poolInUse.Enabled || _poolPending.Enabled;

    internal void PoolWaited(TimeSpan wait) => _poolWait.Record(wait.TotalMilliseconds);

    internal void ReplicasAcknowledged(TimeSpan wait) => _replicaAckDuration.Record(wait.TotalMilliseconds);

    internal void ReplicaAcksMissing() => _replicaAckShortfalls.Add(1);

    internal void Committed(string source, long events, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("source", source);
        _eventsIndexed.Add(events, tag);
        _commitDuration.Record(duration.TotalMilliseconds, tag);
    }

    internal void Restarted(ExitKind exit) =>
        _restarts.Add(1, new KeyValuePair<string, object?>("reason", exit == ExitKind.Crash ? "crash" : "completed"));

    internal void Failed() => _failures.Add(1);

    internal void DeadLettered() => _deadLetters.Add(1);

    internal void Halted(HaltReason reason) =>
        _halted.Add(1, new KeyValuePair<string, object?>("reason", reason switch
        {
            HaltReason.PoisonEvent => "poison-event",
            HaltReason.HandlerVersion => "handler-version",
            _ => "reorg",
        }));

    internal void RolledBack(string source, long depth)
    {
        var tag = new KeyValuePair<string, object?>("source", source);
        _reorgs.Add(1, tag);
        _reorgDepth.Record(depth, tag);
    }

    internal void Skipped(bool byOperator) => _skipped.Add(1, new KeyValuePair<string, object?>("by", byOperator ? "operator" : "policy"));

    internal void FailedOver() => _failovers.Add(1);

    internal void SwitchedBack() => _switchBacks.Add(1);

    private IEnumerable<Measurement<int>> ObserveWorkers()
    {
        var totals = new int[Statuses.Length];
        foreach (var snapshot in _snapshots.Current())
        {
            for (var i = 0; i < Statuses.Length; i++)
            {
                totals[i] += snapshot.Counts.GetValueOrDefault(Statuses[i]);
            }
        }

        return Statuses.Select((_, i) => new Measurement<int>(totals[i], new KeyValuePair<string, object?>("status", StatusNames[i])));
    }

    private IEnumerable<Measurement<long>> ObservePool(Func<Pool.PoolStatus, long> value) =>
        _pool.Current is { Size: > 0 } status ? [new Measurement<long>(value(status))] : [];

    private IEnumerable<Measurement<long>> ObserveLag() =>
        _snapshots.Current().Select(s => new Measurement<long>(s.Lag, new KeyValuePair<string, object?>("partition", s.Partition)));
}
