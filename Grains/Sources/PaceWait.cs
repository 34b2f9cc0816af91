namespace Overseer.Sources;

/// <summary>One run's wait on the <see cref="PaceClock"/>, awaited directly (<c>await wait</c>): it ends when due or
/// cancelled, never throwing, and resumes its awaiter on the task scheduler it awaited on (a grain activation's).</summary>
/// <remarks>An idle worker's whole wait: this object and its awaiter's continuation, instead of a task, a task completion
/// source and a scheduler continuation. Completed once, from any thread; an await after completion resumes at once.</remarks>
internal sealed class PaceWait : System.Runtime.CompilerServices.ICriticalNotifyCompletion
{
    private static readonly Action Ended = static () => { };

    private Action? _continuation;
    private TaskScheduler? _scheduler;
    private volatile bool _cancelled;

    /// <summary>Over: due or cancelled.</summary>
    public bool IsCompleted => ReferenceEquals(Volatile.Read(ref _continuation), Ended);

    /// <summary>Ended by <see cref="PaceClock.Cancel"/> before it was due.</summary>
    public bool IsCancelled => _cancelled;

    public PaceWait GetAwaiter() => this;

    public void GetResult()
    {
    }

    public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

    public void UnsafeOnCompleted(Action continuation)
    {
        _scheduler = TaskScheduler.Current;
        if (Interlocked.CompareExchange(ref _continuation, continuation, null) is not null)
        {
            Resume(continuation);
        }
    }

    /// <summary>Ends the wait (false if it had ended already) and resumes its awaiter, if any, on its scheduler.</summary>
    internal bool TryEnd(bool cancelled)
    {
        var continuation = Interlocked.Exchange(ref _continuation, Ended);
        if (ReferenceEquals(continuation, Ended))
        {
            return false;
        }

        _cancelled = cancelled;

        if (continuation is not null)
        {
            Resume(continuation);
        }

        return true;
    }

    private void Resume(Action continuation) =>
        Task.Factory.StartNew(continuation, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _scheduler ?? TaskScheduler.Default);
}
