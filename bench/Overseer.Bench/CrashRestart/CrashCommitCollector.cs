namespace Overseer.Bench.CrashRestart;

/// <summary>The crash → next-commit pairings of one phase, per worker (see <see cref="CrashCommitListener"/>).</summary>
/// <remarks>The listener's callbacks run on silo threads, several at once; one lock, held for a few dictionary
/// operations, serialises them.</remarks>
internal sealed class CrashCommitCollector(string workerPrefix)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, WorkerTrack> _workers = new(StringComparer.Ordinal);

    public string WorkerPrefix { get; } = workerPrefix;

    /// <summary>Pairings completed per worker, and whether it ended Failed.</summary>
    public IReadOnlyDictionary<string, (int Samples, bool Failed)> Progress()
    {
        lock (_gate)
        {
            return _workers.ToDictionary(w => w.Key, w => (w.Value.Samples.Count, w.Value.Failed), StringComparer.Ordinal);
        }
    }

    /// <summary>Every worker's pairings, in order, in milliseconds.</summary>
    public IReadOnlyDictionary<string, WorkerTrack> Snapshot()
    {
        lock (_gate)
        {
            return _workers.ToDictionary(w => w.Key, w => w.Value.Copy(), StringComparer.Ordinal);
        }
    }

    internal void Threw(string worker, long at)
    {
        lock (_gate)
        {
            if (Track(worker) is { } track)
            {
                track.LastThrow = at;
                track.CommitAfterThrow = null;
            }
        }
    }

    internal void Crashed(string worker, long exitStartedAt, bool failed)
    {
        lock (_gate)
        {
            if (Track(worker) is not { } track)
            {
                return;
            }

            if (track.PendingExit is not null)
            {
                track.Unpaired++; // Two crashes with no commit between: the first one has no "next commit".
            }

            track.Failed |= failed;
            if (!failed && track.CommitAfterThrow is { } committed && committed > exitStartedAt)
            {
                // The exit span stayed open until after the next run's first commit (a restart inside the exit): pair now.
                track.Add(exitStartedAt, track.LastThrow, committed);
                track.PendingExit = null;
            }
            else
            {
                track.PendingExit = failed ? null : exitStartedAt;
                track.PendingThrow = track.LastThrow;
            }

            track.LastThrow = null;
            track.CommitAfterThrow = null;
        }
    }

    internal void Committed(string worker, long at)
    {
        lock (_gate)
        {
            if (Track(worker) is not { } track)
            {
                return;
            }

            if (track.PendingExit is { } exit)
            {
                track.Add(exit, track.PendingThrow, at);
                track.PendingExit = null;
                track.PendingThrow = null;
            }
            else if (track.LastThrow is not null)
            {
                // A throw whose exit span has not stopped yet: remember the first commit after it, for that exit.
                track.CommitAfterThrow ??= at;
            }

            // Otherwise: the first run's commits, or a run's later commits, not the first after a crash.
        }
    }

    private WorkerTrack? Track(string worker)
    {
        if (!worker.StartsWith(WorkerPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        if (!_workers.TryGetValue(worker, out var track))
        {
            _workers[worker] = track = new WorkerTrack();
        }

        return track;
    }
}
