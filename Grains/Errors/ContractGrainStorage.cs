using Orleans.Storage;

namespace Overseer.Errors;

/// <summary>The grain storage of Overseer's grains, speaking the contract: a store outage is the contract's
/// <see cref="OverseerErrorCode.Unavailable"/> and any other failure <see cref="OverseerErrorCode.Internal"/>
/// (<see cref="ContractFaults"/>), thrown by the storage itself, so that it is already the contract's when it fails a
/// grain's activation. The runtime sends that failure to the caller as it is (in its own <c>OrleansException</c>), without
/// passing through any call filter; the Orleans Redis storage's own <c>RedisStorageException</c> cannot be read by a client.</summary>
/// <remarks>An ETag conflict (<see cref="InconsistentStateException"/>, which the grains handle) and cancellation pass
/// through unchanged. The original failure is logged by the storage and by the runtime before it is replaced here.</remarks>
internal sealed class ContractGrainStorage(IGrainStorage inner)
    : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IDisposable, IAsyncDisposable
{
    /// <summary>The storage this one decorates.</summary>
    public IGrainStorage Inner => inner;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        Speak(() => inner.ReadStateAsync(stateName, grainId, grainState, cancellationToken));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        Speak(() => inner.WriteStateAsync(stateName, grainId, grainState, cancellationToken));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        Speak(() => inner.ClearStateAsync(stateName, grainId, grainState, cancellationToken));

    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);

    public void Dispose() => (inner as IDisposable)?.Dispose();

    public ValueTask DisposeAsync() => inner is IAsyncDisposable disposable ? disposable.DisposeAsync() : ValueTask.CompletedTask;

    /// <summary>What a storage failure is to the grain and its callers.</summary>
    public static Exception Translate(Exception exception) =>
        exception is InconsistentStateException or OperationCanceledException ? exception : ContractFaults.ToContract(exception);

    private static async Task Speak(Func<Task> operation)
    {
        try
        {
            await operation().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            var contract = Translate(exception);
            if (ReferenceEquals(contract, exception))
            {
                throw;
            }

            throw contract;
        }
    }
}
