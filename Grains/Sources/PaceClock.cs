namespace Overseer.Sources;

/// <summary>The silo's one timer for the waits of paced sources (<see cref="IPacedSource"/>): a waiting run holds one
/// <see cref="PaceWait"/> in a queue ordered by due time, instead of a timer, a delay task and a cancellation registration
/// of its own. A run cancels its wait itself (<see cref="Cancel"/>), at once, as it cancels its token.</summary>
/// <remarks>The timer is armed for the earliest due wait and re-armed as it fires. A cancelled wait stays queued until it
/// is due or until cancelled ones are the majority (then the queue is rebuilt), so a worker stopped and started over and
/// over keeps no more than the live ones' worth. Waits are completed outside the lock: their continuations may run inline.</remarks>
internal sealed class PaceClock(TimeProvider time) : IDisposable
{
    private const int CompactAbove = 64;

    private readonly Lock _lock = new();
    private readonly PriorityQueue<PaceWait, long> _due = new();
    private ITimer? _timer;
    private long _armedFor = long.MaxValue;
    private int _cancelled;
    private bool _disposed;

    /// <summary>A wait of <paramref name="wait"/>, completed when it is due (or cancelled by <see cref="Cancel"/>).</summary>
    public PaceWait Start(TimeSpan wait)
    {
        var waiter = new PaceWait();
        var now = time.GetTimestamp();
        var due = now + (long)(Math.Max(0, wait.TotalSeconds) * time.TimestampFrequency);
        lock (_lock)
        {
            _due.Enqueue(waiter, due);
            if (due < _armedFor)
            {
                Arm(due, now);
            }
        }

        return waiter;
    }

    /// <summary>Ends <paramref name="waiter"/> now, as cancelled (any thread; nothing if it is over already).</summary>
    public void Cancel(PaceWait waiter)
    {
        if (!waiter.TryEnd(cancelled: true))
        {
            return;
        }

        lock (_lock)
        {
            if (++_cancelled > CompactAbove && _cancelled > _due.Count / 2)
            {
                var live = _due.UnorderedItems.Where(e => !e.Element.IsCompleted).ToList();
                _due.Clear();
                _due.EnqueueRange(live);
                _cancelled = 0;
            }
        }
    }

    private void Tick()
    {
        List<PaceWait>? ready = null;
        lock (_lock)
        {
            var now = time.GetTimestamp();
            while (_due.TryPeek(out var waiter, out var due) && due <= now)
            {
                _due.Dequeue();
                if (waiter.IsCompleted)
                {
                    _cancelled = Math.Max(0, _cancelled - 1);
                }
                else
                {
                    (ready ??= []).Add(waiter);
                }
            }

            _armedFor = long.MaxValue;
            if (_due.TryPeek(out _, out var next))
            {
                Arm(next, now);
            }
        }

        foreach (var waiter in ready ?? [])
        {
            waiter.TryEnd(cancelled: false);
        }
    }

    private void Arm(long due, long now)
    {
        if (_disposed)
        {
            return;
        }

        _armedFor = due;
        var dueIn = TimeSpan.FromSeconds(Math.Max(0, due - now) / (double)time.TimestampFrequency);
        if (_timer is null)
        {
            _timer = time.CreateTimer(static s => ((PaceClock)s!).Tick(), this, dueIn, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(dueIn, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _timer?.Dispose();
            _timer = null;
        }
    }
}
