namespace Overseer.Workers;

/// <summary>This activation no longer owns the worker's cursor (another activation claimed it, or the worker was
/// stopped): it must neither write the worker's state nor run, and goes away.</summary>
/// <remarks>Inside a run it ends the run (<see cref="SupervisionLoop"/>). Escaping a command — whose state write met another
/// activation's after the command's own fenced step (its silo paused between the two) — it reaches the caller as
/// <see cref="Errors.OverseerErrorCode.Unavailable"/> saying so (<see cref="Errors.ContractFaults"/>), and the activation
/// goes (<see cref="Errors.ContractExceptionFilter"/>).</remarks>
internal sealed class StaleActivationException(string workerId, long generation, long current)
    : Exception($"worker '{workerId}': this activation's cursor generation {generation} is no longer current ({current}); another activation or a stop took over")
{
    /// <summary>The worker this activation no longer owns.</summary>
    public string WorkerId => workerId;
}
