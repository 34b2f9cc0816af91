using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Overseer.Tests.Grains;

/// <summary>Fault injection for the worker state's writes: while a worker id is held, each write of its state waits (and
/// is counted) until the worker is released, as a write to a slow or stalled store does. <see cref="Install"/> wraps the
/// silo's worker-state storage.</summary>
public sealed class StateWriteGate
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, TaskCompletionSource> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _waiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _heldCheckpoint = new(StringComparer.Ordinal);

    /// <summary>Wraps the worker-state storage registered by <c>AddOverseer</c> (call after it).</summary>
    public void Install(ISiloBuilder silo)
    {
        var services = silo.Services;
        var registered = services.Last(d => d.ServiceType == typeof(IGrainStorage) && d.IsKeyedService && Equals(d.ServiceKey, StorageNames.Workers));
        var create = registered.KeyedImplementationFactory!;
        services.Remove(registered);
        services.AddKeyedSingleton<IGrainStorage>(StorageNames.Workers, (sp, key) => new Gated(this, (IGrainStorage)create(sp, key)));
    }

    /// <summary>From now on, writes of <paramref name="workerId"/>'s state wait.</summary>
    public void Hold(string workerId)
    {
        lock (_lock)
        {
            _held.TryAdd(workerId, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
    }

    /// <summary>The writes waiting go on, and later ones do not wait.</summary>
    public void Release(string workerId)
    {
        TaskCompletionSource? held;
        lock (_lock)
        {
            _held.Remove(workerId, out held);
        }

        held?.TrySetResult();
    }

    /// <summary>The writes waiting fail with <paramref name="failure"/> (as a store that refuses them), and later ones do not wait.</summary>
    public void Fail(string workerId, Exception failure)
    {
        TaskCompletionSource? held;
        lock (_lock)
        {
            _held.Remove(workerId, out held);
        }

        held?.TrySetException(failure);
    }

    /// <summary>Writes of <paramref name="workerId"/>'s state waiting now.</summary>
    public int Waiting(string workerId)
    {
        lock (_lock)
        {
            return _waiting.GetValueOrDefault(workerId);
        }
    }

    /// <summary>The checkpoint in the last write of <paramref name="workerId"/>'s state that was held.</summary>
    public long? HeldCheckpoint(string workerId)
    {
        lock (_lock)
        {
            return _heldCheckpoint.TryGetValue(workerId, out var checkpoint) ? checkpoint : null;
        }
    }

    private async Task PassAsync(GrainId grainId, object? state)
    {
        var id = grainId.Key.ToString()!;
        TaskCompletionSource? held;
        lock (_lock)
        {
            if (!_held.TryGetValue(id, out held))
            {
                return;
            }

            _waiting[id] = _waiting.GetValueOrDefault(id) + 1;
            if (state is Workers.WorkerState worker)
            {
                _heldCheckpoint[id] = worker.Checkpoint;
            }
        }

        try
        {
            await held.Task;
        }
        finally
        {
            lock (_lock)
            {
                _waiting[id]--;
            }
        }
    }

    private sealed class Gated(StateWriteGate gate, IGrainStorage inner)
        : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
            inner.ReadStateAsync(stateName, grainId, grainState, cancellationToken);

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

        public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
        {
            await gate.PassAsync(grainId, grainState.State);
            await inner.WriteStateAsync(stateName, grainId, grainState, cancellationToken);
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
            inner.ClearStateAsync(stateName, grainId, grainState, cancellationToken);

        public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
    }
}
