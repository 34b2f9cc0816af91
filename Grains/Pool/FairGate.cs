namespace Overseer.Pool;

/// <summary>A fair async semaphore: at most <c>permits</c> holders, waiters served strictly first come, first served
/// (a newcomer never overtakes a waiter, unlike <see cref="SemaphoreSlim"/>), cancellable while waiting. The silo's fetch
/// and commit caps (<see cref="FetchThrottle"/>, <see cref="CommitThrottle"/>) are made of these.</summary>
/// <remarks>Waiters come in two lanes: <c>first</c> waiters are served before every other, first come first served
/// among themselves (the commit cap's lane for a run's first commit: see <see cref="CommitThrottle"/>). A newcomer of
/// either lane never overtakes a waiter of its own.</remarks>
internal sealed class FairGate(int permits)
{
    private readonly LinkedList<TaskCompletionSource> _waiters = new();
    private readonly LinkedList<TaskCompletionSource> _first = new();
    private int _free = permits > 0 ? permits : throw new ArgumentOutOfRangeException(nameof(permits), permits, "expected 1 or more");

    /// <summary>Permits held now.</summary>
    public int InUse
    {
        get
        {
            lock (_waiters)
            {
                return permits - _free;
            }
        }
    }

    /// <summary>Callers waiting for a permit now.</summary>
    public int Waiting
    {
        get
        {
            lock (_waiters)
            {
                return _waiters.Count + _first.Count;
            }
        }
    }

    /// <summary>Waits for a permit in the common lane; give it back with <see cref="Release"/> exactly once.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => WaitAsync(first: false, cancellationToken);

    /// <summary>Waits for a permit, in the lane served first when <paramref name="first"/>; give it back with
    /// <see cref="Release"/> exactly once.</summary>
    public Task WaitAsync(bool first, CancellationToken cancellationToken)
    {
        LinkedListNode<TaskCompletionSource> node;
        lock (_waiters)
        {
            // Taken at once only while nobody waits in either lane (a release hands its permit to a waiter directly).
            if (_free > 0 && _waiters.Count == 0 && _first.Count == 0)
            {
                _free--;
                return Task.CompletedTask;
            }

            cancellationToken.ThrowIfCancellationRequested();
            node = (first ? _first : _waiters).AddLast(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        if (!cancellationToken.CanBeCanceled)
        {
            return node.Value.Task;
        }

        var registration = cancellationToken.Register(() =>
        {
            lock (_waiters)
            {
                // Granted already (node handed a permit and left the list)? Then the caller owns it; Release returns it.
                if (node.List is null)
                {
                    return;
                }

                node.List.Remove(node);
            }

            node.Value.TrySetCanceled(cancellationToken);
        });
        return WaitRegisteredAsync(node.Value.Task, registration);
    }

    /// <summary>Returns a permit: to the first waiter of the first lane, else of the common lane, if any.</summary>
    public void Release()
    {
        TaskCompletionSource? next = null;
        lock (_waiters)
        {
            if ((_first.First ?? _waiters.First) is { } first)
            {
                first.List!.Remove(first);
                next = first.Value;
            }
            else if (_free < permits)
            {
                _free++;
            }
            else
            {
                throw new InvalidOperationException("FairGate released more often than acquired");
            }
        }

        next?.TrySetResult();
    }

    private static async Task WaitRegisteredAsync(Task wait, CancellationTokenRegistration registration)
    {
        await using (registration.ConfigureAwait(false))
        {
            await wait.ConfigureAwait(false);
        }
    }
}
