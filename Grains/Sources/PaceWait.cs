using System.Threading.Tasks.Sources;

namespace Overseer.Sources;

/// <summary>One run's wait on the <see cref="PaceClock"/>, awaited as a <see cref="ValueTask"/> (<see cref="AsValueTask"/>)
/// or directly (<c>await wait</c>): it ends when due or cancelled, never throwing, and resumes its awaiter on the task
/// scheduler it awaited on (a grain activation's).</summary>
/// <remarks>An idle worker's whole wait: this object, instead of a task, a task completion source and a scheduler
/// continuation. Awaited as a value task from an async method, it is handed that method's own state machine as the
/// continuation (no delegate is made for it: 64 bytes for each of 100,000 idle workers). Completed once, from any
/// thread; an await after completion resumes at once.</remarks>
internal sealed class PaceWait : System.Runtime.CompilerServices.ICriticalNotifyCompletion, IValueTaskSource
{
    private static readonly Action<object?> Ended = static _ => { };
    private static readonly Action<object?> RunAction = static action => ((Action)action!)();

    private Action<object?>? _continuation;
    private object? _state;
    private TaskScheduler? _scheduler;
    private volatile bool _cancelled;

    /// <summary>Over: due or cancelled.</summary>
    public bool IsCompleted => ReferenceEquals(Volatile.Read(ref _continuation), Ended);

    /// <summary>Ended by <see cref="PaceClock.Cancel"/> before it was due.</summary>
    public bool IsCancelled => _cancelled;

    /// <summary>This wait as a value task (one wait, one await).</summary>
    public ValueTask AsValueTask() => new(this, 0);

    public PaceWait GetAwaiter() => this;

    public void GetResult()
    {
    }

    public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

    public void UnsafeOnCompleted(Action continuation) => Await(RunAction, continuation);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => IsCompleted ? ValueTaskSourceStatus.Succeeded : ValueTaskSourceStatus.Pending;

    void IValueTaskSource.GetResult(short token)
    {
    }

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        Await(continuation, state);

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
            Resume(continuation, _state);
        }

        return true;
    }

    private void Await(Action<object?> continuation, object? state)
    {
        // Both written before the continuation is published (the exchange is a full fence), read after it is taken.
        _scheduler = TaskScheduler.Current;
        _state = state;
        if (Interlocked.CompareExchange(ref _continuation, continuation, null) is not null)
        {
            Resume(continuation, state);
        }
    }

    private void Resume(Action<object?> continuation, object? state) =>
        Task.Factory.StartNew(continuation, state, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _scheduler ?? TaskScheduler.Default);
}
