using Overseer.Outputs;

namespace Overseer.Handlers;

/// <summary>The one rule for "a handler failure is poison": anything the handler throws but an outage. A store outage
/// (<see cref="StoreFaults.IsTransient"/>: Redis or PostgreSQL unavailable, a serialization failure, a deadlock), a
/// timeout and a cancellation are outages as everywhere else — retried or ended as before, never skipped or
/// dead-lettered.</summary>
internal static class HandlerFailures
{
    public static bool IsPoison(Exception exception) =>
        exception is not (OperationCanceledException or TimeoutException or HandlerFailedException)
        && !StoreFaults.IsTransient(exception);

    /// <summary>Runs the handler's <paramref name="call"/>, turning a poison failure into a
    /// <see cref="HandlerFailedException"/>; outages pass through unchanged.</summary>
    public static async Task<T> GuardAsync<T>(string workerId, string? handlerName, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsPoison(ex))
        {
            throw new HandlerFailedException(workerId, handlerName, ex);
        }
    }
}
