using Orleans.Runtime;
using Overseer.Outputs;
using Overseer.Redis;

namespace Overseer.Errors;

/// <summary>
/// The one rule for what may leave a grain: only what every client can read. A caller gets an
/// <see cref="OverseerException"/> (the grain's own refusal; a store or silo that is unavailable,
/// <see cref="OverseerErrorCode.Unavailable"/>; anything else as <see cref="OverseerErrorCode.Internal"/>) or an
/// <see cref="OperationCanceledException"/>, and never an exception type that exists only inside the silo (e.g. the
/// Orleans Redis storage's <c>RedisStorageException</c>): a client that cannot load a type cannot read the response at all.
/// </summary>
/// <remarks>Applied where exceptions leave the silo's code: every call of a contract interface
/// (<see cref="ContractExceptionFilter"/>) and the grain storage (<see cref="ContractGrainStorage"/>), whose failures
/// during an activation reach the caller without passing through any call filter.</remarks>
internal static class ContractFaults
{
    /// <summary>Texts of the grain directory's refusals while membership changes (<see cref="IsDirectoryChangingHands"/>).</summary>
    private static readonly string[] DirectoryInstability = [" on invalid silo: ", "not stable to perform the lookup", "hop limit is reached"];

    /// <summary>What <paramref name="exception"/>, thrown inside the silo, is to a caller of a grain.</summary>
    /// <returns><paramref name="exception"/> itself when a client can already read it, else a new exception without an
    /// inner exception (the original's type and message are in its message).</returns>
    public static Exception ToContract(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (OverseerException.FindIn(exception) is { } contract)
        {
            return contract;
        }

        if (exception is OperationCanceledException)
        {
            // The caller's own cancellation (or the silo stopping). Its inner exception is whatever was being waited
            // out, e.g. a store fault StoreRetry was riding out: not for the wire.
            return exception.InnerException is null && exception.GetType() == typeof(OperationCanceledException)
                ? exception
                : new OperationCanceledException(exception.Message);
        }

        if (exception is Workers.StaleActivationException stale)
        {
            return TakenOver(stale.WorkerId);
        }

        if (StoreFaults.IsTransient(exception))
        {
            return StoreUnavailable(exception);
        }

        if (CallFailures.IsTransport(exception))
        {
            return OverseerException.Unavailable($"a silo of the cluster is unreachable: {CallFailures.FirstClause(exception.Message)}");
        }

        if (IsDirectoryChangingHands(exception))
        {
            return OverseerException.Unavailable($"the cluster's grain directory is changing hands after a silo left: {CallFailures.FirstClause(exception.Message)}");
        }

        return OverseerException.Internal($"internal error in the cluster (the silo logged it): {RedisFaults.Describe(exception)}");
    }

    /// <summary>A store outage as the contract says it: which store, and the cause in a short phrase (no type names: they
    /// mean nothing to the caller, and the silo logged the original).</summary>
    /// <example><c>Redis is unavailable: Timeout awaiting response</c></example>
    public static OverseerException StoreUnavailable(Exception exception) =>
        OverseerException.Unavailable($"{StoreFaults.StoreOf(exception)} is unavailable: {StoreFaults.Cause(exception)}");

    /// <summary>A command whose first step was done (as the worker's owner: the store fenced it) and whose state write then
    /// found another activation owning the worker: its silo was paused or cut off between the two, and the worker was
    /// taken over meanwhile. Not "nothing was done", and not an internal error: the worker is live elsewhere, and what the
    /// operator wants is best judged from its status there.</summary>
    public static OverseerException TakenOver(string workerId) =>
        OverseerException.Unavailable(
            $"worker '{workerId}' was taken over by another activation while this command was under way (this silo was paused or cut off): "
            + $"its first step may have been done, the rest was not; see 'overseer status {workerId}' before retrying");

    /// <summary>The grain directory refused an activation or a lookup while membership changes: a silo just declared dead
    /// still hosted the activation being registered, or the directory partition is moving. Orleans throws a plain
    /// <see cref="OrleansException"/> for these, told apart only by its text; the same call succeeds once membership has
    /// settled, so to a caller it is an outage to ride out, not a fault.</summary>
    private static bool IsDirectoryChangingHands(Exception e) =>
        e.GetType() == typeof(OrleansException)
        && DirectoryInstability.Any(text => e.Message.Contains(text, StringComparison.Ordinal));
}
