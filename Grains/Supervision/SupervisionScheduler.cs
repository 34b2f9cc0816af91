using Overseer.Hosting;
using Overseer.Models;
using Overseer.Registry;

namespace Overseer.Supervision;

/// <summary>Decides which of a partition's workers to poke, and when: the due queue (a poke at a given time), the poke
/// queue drained at most <see cref="SupervisionOptions.RestoreConcurrency"/> pokes in flight, and the stall scan.
/// The partition grain makes the calls; time is passed in.</summary>
/// <remarks>A partition pokes only for what a worker cannot do itself: restore after activation, recovery after its
/// silo was lost, a worker that went silent (stall), and the pool queue. A worker in backoff restarts itself on its
/// own timer; the partition only catches one that is silent past its restart time plus the stall timeout.</remarks>
internal sealed class SupervisionScheduler(SupervisionOptions options)
{
    private readonly PriorityQueue<string, DateTimeOffset> _due = new();
    private readonly Queue<string> _pokes = new();
    private readonly HashSet<string> _queued = new(StringComparer.Ordinal);
    private DateTimeOffset _lastScan;

    /// <summary>Pokes handed out by <see cref="TakePokes"/> and not yet <see cref="PokeDone">done</see>.</summary>
    public int InFlight { get; private set; }

    /// <summary>Pokes waiting for a place in flight.</summary>
    public int Queued => _pokes.Count;

    /// <summary>Pokes scheduled for later.</summary>
    public int Due => _due.Count;

    /// <summary>Starts the stall-scan clock (the first scan is one interval after activation).</summary>
    public void Start(DateTimeOffset now) => _lastScan = now;

    /// <summary>Poke <paramref name="id"/> as soon as a place in flight is free (once, however often asked).</summary>
    public void Poke(string id)
    {
        if (_queued.Add(id))
        {
            _pokes.Enqueue(id);
        }
    }

    /// <summary>Poke <paramref name="id"/> at <paramref name="at"/> (if its row still should run then).</summary>
    public void PokeAt(string id, DateTimeOffset at) => _due.Enqueue(id, at);

    /// <summary>Bring a worker that should run back: one waiting out a backoff at its restart time, any other at once.
    /// Restore on activation and recovery after silo loss both use it.</summary>
    public void Bring(RegistryEntry entry, DateTimeOffset now)
    {
        if (entry.Status == WorkerStatus.Backoff && entry.NextRestartAt is { } at && at > now)
        {
            PokeAt(entry.Id, at);
        }
        else
        {
            Poke(entry.Id);
        }
    }

    /// <summary>One tick: due pokes whose rows still should run join the poke queue, and every
    /// <see cref="SupervisionOptions.StallScanInterval"/> the stall scan runs. Returns the workers the scan found silent
    /// (poked for it), for the partition to say so.</summary>
    public IReadOnlyList<string> Tick(RegistrySlice slice, DateTimeOffset now)
    {
        while (_due.TryPeek(out var id, out var at) && at <= now)
        {
            _due.Dequeue();
            if (slice.Find(id) is { ShouldRun: true })
            {
                Poke(id);
            }
        }

        if (now - _lastScan < options.StallScanInterval)
        {
            return [];
        }

        _lastScan = now;
        return Scan(slice, now);
    }

    /// <summary>Workers that should run but have gone silent (activation lost, loop wedged, report lost) join the poke
    /// queue; their silence restarts from now. Returns how many.</summary>
    /// <remarks>Silent since the later of the last word from the worker and its restart time (a worker in backoff says
    /// nothing until it restarts). A worker that reported itself queued for a pool slot has no run to be silent about:
    /// the pool check wakes it when a slot is free; the scan only catches one whose queue entry was lost, and less often
    /// (<see cref="SupervisionOptions.QueuedStallFactor"/> stall timeouts).</remarks>
    public int ScanForStalls(RegistrySlice slice, DateTimeOffset now) => Scan(slice, now).Count;

    private List<string> Scan(RegistrySlice slice, DateTimeOffset now)
    {
        var stall = options.StallTimeout;
        var stalled = new List<string>();
        // No timeout is shorter than the stall timeout: a row vouched for by a silo heard since then is not read.
        foreach (var (entry, heardAt) in slice.QuietSince(now - stall))
        {
            var silentSince = heardAt ?? now;
            if (entry.Status == WorkerStatus.Backoff && entry.NextRestartAt is { } at && at > silentSince)
            {
                silentSince = at;
            }

            var queued = entry.Status == WorkerStatus.Pending && entry.Version > 0;
            var timeout = queued ? stall * options.QueuedStallFactor : stall;
            if (now - silentSince >= timeout)
            {
                stalled.Add(entry.Id);
            }
        }

        foreach (var id in stalled)
        {
            slice.Seen(id, now);
            Poke(id);
        }

        return stalled;
    }

    /// <summary>The pokes to start now, oldest first, keeping at most <see cref="SupervisionOptions.RestoreConcurrency"/>
    /// in flight; each must be followed by <see cref="PokeDone"/>.</summary>
    public IReadOnlyList<string> TakePokes()
    {
        List<string>? take = null;
        while (InFlight < options.RestoreConcurrency && _pokes.TryDequeue(out var id))
        {
            _queued.Remove(id);
            InFlight++;
            (take ??= []).Add(id);
        }

        return take ?? (IReadOnlyList<string>)[];
    }

    public void PokeDone() => InFlight = Math.Max(0, InFlight - 1);
}
