namespace Overseer.Bench.Baseline;

/// <summary>See <see cref="IBareStateGrain"/>. Its state lives in the same grain storage as the workers'
/// (<see cref="StorageNames.Workers"/>: Redis, Orleans' binary serializer).</summary>
public sealed class BareStateGrain(
    [PersistentState("bare", StorageNames.Workers)] IPersistentState<BareState> state,
    TimeProvider time) : Grain, IBareStateGrain
{
    // A payload of the order of a worker's spec and last error.
    private const string Payload = "sequence limit=1000000 batch=10 failAfter=10; last error: sequence source failed as configured";

    private readonly Guid _activation = Guid.NewGuid();

    public async Task<Guid> TouchAsync(CancellationToken cancellationToken = default)
    {
        state.State.Touches++;
        state.State.Payload = Payload;
        state.State.UpdatedAt = time.GetUtcNow();
        await state.WriteStateAsync();
        return _activation;
    }

    public Task<Guid> ReadAsync(CancellationToken cancellationToken = default) => Task.FromResult(_activation);

    public Task DeactivateAsync(CancellationToken cancellationToken = default)
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
