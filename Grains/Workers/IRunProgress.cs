namespace Overseer.Workers;

/// <summary>What a <see cref="WorkerRun"/> tells, and asks of, the supervisor of its activation, on the activation's
/// scheduler: kept out of the run so that a waiting run holds no more than it needs.</summary>
internal interface IRunProgress
{
    /// <summary>The supervisor's clock.</summary>
    DateTimeOffset Now { get; }

    /// <summary>After each fetch-and-commit round.</summary>
    void Progressed(WorkerRun run);

    /// <summary>A poison event was passed and kept as a dead letter.</summary>
    void DeadLettered();

    /// <summary>Waits before retry <paramref name="attempt"/> of a poison event (the restart backoff for that many).</summary>
    Task BeforePoisonRetryAsync(int attempt, CancellationToken cancellationToken);

    /// <summary>The run rolled its worker back to <paramref name="seq"/> after a reorg of its source (<paramref name="reorg"/>
    /// says what changed), removing <paramref name="removed"/> events: for status, the log and the audit stream.</summary>
    Task RolledBackAsync(WorkerRun run, long seq, long removed, string reorg);
}
