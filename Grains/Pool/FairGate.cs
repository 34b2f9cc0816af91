namespace Overseer.Pool;

/// <summary>A fair async semaphore: at most <c>permits</c> holders, waiters served strictly first come, first served
/// (a newcomer never overtakes a waiter, unlike <see cref="SemaphoreSlim"/>), cancellable while waiting. The silo's fetch
/// and commit caps (<see cref="FetchThrottle"/>, <see cref="CommitThrottle"/>) are made of these.</summary>
internal sealed class FairGate(int permits)
{
    private readonly LinkedList<TaskCompletionSource> _waiters = new();
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
                return _waiters.Count;
            }
        }
    }

    /// <summary>Waits for a permit; give it back with <see cref="Release"/> exactly once.</summary>
    public Task WaitAsync(CancellationToken cancellationToken)
    {
        LinkedListNode<TaskCompletionSource> node;
        lock (_waiters)
        {
            if (_free > 0 && _waiters.Count == 0)
            {
                _free--;
                return Task.CompletedTask;
            }

            cancellationToken.ThrowIfCancellationRequested();
            node = _waiters.AddLast(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
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

                _waiters.Remove(node);
            }

            node.Value.TrySetCanceled(cancellationToken);
        });
        return WaitRegisteredAsync(node.Value.Task, registration);
    }

    /// <summary>Returns a permit: to the first waiter if any.</summary>
    public void Release()
    {
        TaskCompletionSource? next = null;
        lock (_waiters)
        {
            if (_waiters.First is { } first)
            {
                _waiters.RemoveFirst();
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
