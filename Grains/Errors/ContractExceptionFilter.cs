using System.Reflection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace Overseer.Errors;

/// <summary>Applies <see cref="ContractFaults"/> where a call of an Overseer grain interface (those of
/// Overseer.Grains.Interfaces) ends in an exception: the caller gets the contract's exception, and the silo logs what it
/// replaced. Calls of other interfaces (the Orleans runtime's own, the dashboard's) pass untouched.</summary>
/// <remarks>A call filter does not see a grain whose activation failed: that failure reaches the caller straight from
/// the runtime, which is why the grain storage speaks the contract as well (<see cref="ContractGrainStorage"/>). An
/// escaping ETag conflict (<see cref="InconsistentStateException"/>), or a worker found owned by another activation
/// (<see cref="Workers.StaleActivationException"/>), still deactivates the grain, as the runtime would
/// had it seen the exception.</remarks>
internal sealed partial class ContractExceptionFilter(ILogger<ContractExceptionFilter> logger) : IIncomingGrainCallFilter
{
    private static readonly Assembly Contract = typeof(IWorkerGrain).Assembly;

    public Task Invoke(IIncomingGrainCallContext context)
    {
        // Most calls complete at once, or fine: only a failing call of a contract interface needs the async path.
        var call = context.Invoke();
        return call.IsCompletedSuccessfully || context.InterfaceMethod.DeclaringType?.Assembly != Contract
            ? call
            : TranslateAsync(call, context);
    }

    private async Task TranslateAsync(Task call, IIncomingGrainCallContext context)
    {
        try
        {
            await call;
        }
        catch (Exception exception)
        {
            var contract = ContractFaults.ToContract(exception);
            if (ReferenceEquals(contract, exception))
            {
                throw;
            }

            if (exception is InconsistentStateException or Workers.StaleActivationException)
            {
                // What the runtime does when an ETag conflict escapes a grain, which it no longer sees: the activation's
                // state is stale, so it goes and the next call reads the state afresh. Likewise an activation that found
                // the worker owned by another.
                context.TargetContext.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationError, $"state conflict: {exception.Message}"));
            }

            if (contract is OverseerException { Code: OverseerErrorCode.Internal })
            {
                Log.Internal(logger, exception, context.InterfaceName, context.MethodName, context.TargetId.ToString(), exception.GetType().Name);
            }
            else
            {
                Log.Translated(logger, context.InterfaceName, context.MethodName, context.TargetId.ToString(), exception.GetType().Name, contract.Message);
            }

            throw contract;
        }
    }
}
