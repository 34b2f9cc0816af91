namespace Overseer.Workers;

/// <summary>What a worker's supervision (<see cref="SupervisionLoop"/>, <see cref="WorkerCommands"/>) needs from the activation it runs in: the grain-only services (timers,
/// messages, deactivation), so that they are plain classes.</summary>
internal interface IWorkerHost
{
    /// <summary>Sends the worker's snapshot to its partition (one-way).</summary>
    void Report(bool detached = false);

    /// <summary>The worker's snapshot as <see cref="Report"/> would send it (the next version).</summary>
    Models.WorkerReport Snapshot();

    /// <summary>Writes the worker's snapshot through to its partition's registry row (awaited: durable when it returns).</summary>
    Task RecordAsync();

    /// <summary>Removes the worker's registry row (awaited: gone when it returns).</summary>
    Task ForgetAsync();

    /// <summary>A grain timer on this activation (<see cref="Timeout.InfiniteTimeSpan"/> period = one-shot); it keeps the
    /// activation alive while it exists.</summary>
    IGrainTimer StartTimer(Func<CancellationToken, Task> callback, TimeSpan due, TimeSpan period);

    /// <summary>Wakes a pending worker (a slot freed) through its partition.</summary>
    void Wake(string workerId);

    /// <summary>This activation must go away (fenced, or unable to go on).</summary>
    void Deactivate();

    /// <summary>Keeps the activation from being collected while idle (<c>true</c>), or lets it be collected like any idle
    /// grain again (<c>false</c>). A running worker may go hours without a call or a timer tick.</summary>
    void KeepAlive(bool on);

    /// <summary>Runs <paramref name="work"/> on this activation's scheduler, interleaved with its other turns like the
    /// supervision loop; callable from any thread (the heartbeat sweep's).</summary>
    void Post(Func<Task> work);
}
