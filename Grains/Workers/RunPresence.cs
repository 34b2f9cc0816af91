using Overseer.Models;

namespace Overseer.Workers;

/// <summary>How a supervised worker shows itself to its silo: the activation's keep-alive and its membership of the
/// <see cref="HeartbeatSweep"/>, with the newest snapshot the sweep has not taken yet.</summary>
/// <remarks>
/// Invariants: the activation is kept alive from its first run until the worker no longer runs (through a backoff too),
/// and nothing keeps an activation of a worker that is not running alive (it is collected like any idle grain). The
/// worker is in the sweep exactly while a run is in progress: it joins as the run starts and leaves as the run ends or
/// the activation hands over, so its partition's stall scan notices if nothing else is heard of it. The snapshot is
/// written on the activation's scheduler and taken on the sweep's thread (an interlocked exchange).
/// <para>A struct held in one field of <see cref="SupervisionLoop"/>, never copied: an idle worker carries its three
/// fields and no object of its own (the services it acts on are passed in).</para>
/// </remarks>
internal struct RunPresence
{
    private bool _keptAlive;

    /// <summary>The run's newest snapshot not yet taken by the heartbeat sweep (written on the activation, taken on the sweep's thread).</summary>
    private WorkerReport? _changed;

    /// <summary>The checkpoint of the last snapshot handed to the sweep (or reported as the run started).</summary>
    private long _publishedCheckpoint;

    /// <summary>Keeps the activation alive (idempotent).</summary>
    public void KeepAlive(IWorkerHost host)
    {
        if (!_keptAlive)
        {
            _keptAlive = true;
            host.KeepAlive(true);
        }
    }

    /// <summary>Lets the activation be collected like any idle grain again (idempotent).</summary>
    public void LetGo(IWorkerHost host)
    {
        if (_keptAlive)
        {
            _keptAlive = false;
            host.KeepAlive(false);
        }
    }

    /// <summary>A run started at <paramref name="checkpoint"/> (already reported): the sweep names the worker from now on.</summary>
    public void Join(HeartbeatSweep sweep, IRunningWorker worker, long checkpoint)
    {
        _publishedCheckpoint = checkpoint;
        sweep.Join(worker);
    }

    /// <summary>The run is over (or the activation going away): the sweep no longer names the worker.</summary>
    public void Leave(HeartbeatSweep sweep, IRunningWorker worker)
    {
        sweep.Leave(worker);
        Volatile.Write(ref _changed, null);
    }

    /// <summary>A round of <paramref name="run"/> may have moved the worker's snapshot: hands the newest to the sweep (it
    /// sends the last one of each interval). A source with a status (handler, head) may change without committing, so it
    /// hands one every round.</summary>
    public void Progressed(WorkerRun run, IWorkerHost host)
    {
        if (run.Checkpoint == _publishedCheckpoint && run.Handler is null)
        {
            return;
        }

        _publishedCheckpoint = run.Checkpoint;
        Volatile.Write(ref _changed, host.Snapshot());
    }

    /// <summary>Hands the worker's snapshot to the sweep now, whatever its progress: the next heartbeat carries it.</summary>
    public void Publish(IWorkerHost host) => Volatile.Write(ref _changed, host.Snapshot());

    /// <summary>The newest snapshot if the progress moved since the last call, else null (any thread).</summary>
    public WorkerReport? TakeChanged() => Interlocked.Exchange(ref _changed, null);
}
