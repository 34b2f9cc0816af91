namespace Overseer.Handlers;

/// <summary>A handler failed on a batch and the failure is not an outage (<see cref="HandlerFailures.IsPoison"/>): nothing
/// of the batch was committed. The worker's run bisects the batch and applies its poison policy to the event that fails
/// alone.</summary>
internal sealed class HandlerFailedException(string workerId, string? handlerName, Exception inner)
    : Exception($"handler '{handlerName}' of worker '{workerId}' failed: {inner.GetType().FullName}: {inner.Message}", inner)
{
    /// <summary>The handler's exception type, for the halt and the dead letter.</summary>
    public string ErrorType => InnerException!.GetType().FullName ?? InnerException.GetType().Name;

    /// <summary>The handler's message.</summary>
    public string Error => InnerException!.Message;
}
