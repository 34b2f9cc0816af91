namespace Overseer.Workers;

/// <summary>This activation no longer owns the worker's cursor (another activation claimed it, or the worker was
/// stopped): it must neither write the worker's state nor run, and goes away.</summary>
internal sealed class StaleActivationException(string workerId, long generation, long current)
    : Exception($"worker '{workerId}': this activation's cursor generation {generation} is no longer current ({current}); another activation or a stop took over");
