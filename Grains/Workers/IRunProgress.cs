namespace Overseer.Workers;

/// <summary>Told by a <see cref="WorkerRun"/> after each fetch-and-commit round, on the activation's scheduler.</summary>
internal interface IRunProgress
{
    void Progressed(WorkerRun run);
}
