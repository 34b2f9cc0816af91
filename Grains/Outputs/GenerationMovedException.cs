namespace Overseer.Outputs;

/// <summary>A fenced step of a command (a delete after its stop) refused because the cursor's generation is no longer the
/// one the command took: someone took the worker over since. Nothing was changed.</summary>
internal sealed class GenerationMovedException(string workerId, long generation, long current)
    : InvalidOperationException($"worker '{workerId}': the cursor's generation moved on from {generation} (the command's) to {current}; another activation or command took the worker over, and nothing was changed");
