using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Overseer.Drill;

/// <summary>What happened during a drill, as the checker needs it: stops and the checkpoint each left, re-commits after
/// rewinds, audited actions, the pool's sampled peak, faults applied; and the drill's log file, which holds the
/// schedule and every action with its outcome.</summary>
internal sealed class DrillLedger(string logPath) : IDisposable
{
    private readonly StreamWriter _log = new(logPath, append: false) { AutoFlush = true };
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<DrillViolation> _violations = new();
    private readonly object _gate = new();
    private readonly Dictionary<string, long> _stopped = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _recommitted = new(StringComparer.Ordinal);
    private readonly List<(string Action, string WorkerId)> _audited = [];
    private readonly ConcurrentDictionary<string, int> _applied = new(StringComparer.Ordinal);

    public string LogPath => logPath;

    public TimeSpan Elapsed => _clock.Elapsed;

    public IReadOnlyCollection<DrillViolation> Violations => _violations;

    /// <summary>The most slots held at once, as sampled.</summary>
    public long PoolPeak { get; private set; }

    public int PoolSamples { get; private set; }

    /// <summary>Whether a reorg deeper than the evm workers' confirmations was applied.</summary>
    public bool DeepReorg { get; private set; }

    public IReadOnlyDictionary<string, int> Applied => _applied;

    private bool _started;

    /// <summary>The schedule starts now: from here on the log's times are the schedule's (<c>t+…</c>), before it they
    /// are the set-up's.</summary>
    public void Restart()
    {
        _clock.Restart();
        _started = true;
    }

    public void Write(string line)
    {
        lock (_log)
        {
            _log.WriteLine(string.Create(
                CultureInfo.InvariantCulture, $"[{(_started ? "t+" : "setup ")}{_clock.Elapsed.TotalSeconds,6:0.0}s] {line}"));
        }
    }

    public void Break(DrillPromise promise, string detail)
    {
        _violations.Enqueue(new DrillViolation(promise, detail));
        Write($"BROKEN {promise}: {detail}");
    }

    public void CountApplied(string what) => _applied.AddOrUpdate(what, 1, (_, n) => n + 1);

    public void NoteDeepReorg() => DeepReorg = true;

    private readonly List<(DrillStepKind Kind, DateTime From, DateTime To)> _disturbances = [];

    /// <summary>A fault that may rightly cost a worker its pool slot (its lease not renewed in time), from
    /// <paramref name="from"/> to <paramref name="to"/> (UTC).</summary>
    public void Disturbed(DrillStepKind kind, DateTime from, DateTime to)
    {
        lock (_gate)
        {
            _disturbances.Add((kind, from, to));
        }
    }

    /// <summary>The faults that overlap <paramref name="from"/>..<paramref name="to"/> (UTC).</summary>
    public IReadOnlyList<DrillStepKind> DisturbancesBetween(DateTime from, DateTime to)
    {
        lock (_gate)
        {
            return [.. _disturbances.Where(d => d.From <= to && d.To >= from).Select(d => d.Kind)];
        }
    }

    public void SamplePool(long held)
    {
        lock (_gate)
        {
            PoolSamples++;
            PoolPeak = Math.Max(PoolPeak, held);
        }
    }

    public void Stopped(string workerId, long checkpoint)
    {
        lock (_gate)
        {
            _stopped[workerId] = checkpoint;
        }
    }

    /// <summary>The checkpoint the worker's stop left, or null when it is not stopped.</summary>
    public long? StoppedAt(string workerId)
    {
        lock (_gate)
        {
            return _stopped.TryGetValue(workerId, out var cp) ? cp : null;
        }
    }

    public void Resumed(string workerId)
    {
        lock (_gate)
        {
            _stopped.Remove(workerId);
        }
    }

    public IReadOnlyList<(string WorkerId, long Checkpoint)> StillStopped()
    {
        lock (_gate)
        {
            return [.. _stopped.Select(s => (s.Key, s.Value))];
        }
    }

    /// <summary>A rewind from <paramref name="from"/> to <paramref name="to"/>: those events are committed again.</summary>
    public void Rewound(string workerId, long from, long to)
    {
        lock (_gate)
        {
            _recommitted[workerId] = Recommitted(workerId) + Math.Max(0, from - to);
            _audited.Add(("rewind", workerId));
        }
    }

    /// <summary>A delete: the id starts over, so what its earlier life committed no longer counts.</summary>
    public void Deleted(string workerId)
    {
        lock (_gate)
        {
            _recommitted.Remove(workerId);
            _stopped.Remove(workerId);
            _audited.Add(("delete", workerId));
        }
    }

    /// <summary>Events committed again after rewinds, since the worker's last delete.</summary>
    public long Recommitted(string workerId)
    {
        lock (_gate)
        {
            return _recommitted.TryGetValue(workerId, out var n) ? n : 0;
        }
    }

    public IReadOnlyList<(string Action, string WorkerId)> Audited()
    {
        lock (_gate)
        {
            return [.. _audited];
        }
    }

    public void Dispose() => _log.Dispose();
}
