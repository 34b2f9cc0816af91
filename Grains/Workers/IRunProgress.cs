namespace Overseer.Workers;

/// <summary>Told by a <see cref="WorkerRun"/> after each fetch-and-commit round, on the activation's scheduler.</summary>
internal interface IRunProgress
{
    void Progressed(WorkerRun run);

    /// <summary>The run rolled its worker back to <paramref name="seq"/> after a reorg of its source (<paramref name="reorg"/>
    /// says what changed), removing <paramref name="removed"/> events: for status, the log and the audit stream.</summary>
    Task RolledBackAsync(WorkerRun run, long seq, long removed, string reorg);
}
