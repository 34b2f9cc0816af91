namespace Overseer.Bench.Baseline;

/// <summary>The baseline of the crash-restart bench: a grain with nothing but a small persisted state in the workers'
/// Redis grain storage, so that a deactivate/reactivate costs what Orleans and the storage provider cost, no more.</summary>
[Alias("overseer.bench.IBareStateGrain")]
public interface IBareStateGrain : IGrainWithStringKey
{
    /// <summary>Writes the state once (a counter and a small payload) and returns when the write is durable; returns
    /// the activation's own id, so the bench can check that each sample ran on a fresh activation.</summary>
    [Alias("Touch")]
    Task<Guid> TouchAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes nothing: on a fresh activation, the cost is the activation and its state read from Redis.
    /// Returns the activation's own id.</summary>
    [Alias("Read")]
    Task<Guid> ReadAsync(CancellationToken cancellationToken = default);

    /// <summary>Asks for this activation to be deactivated once the call returns.</summary>
    [Alias("Deactivate")]
    Task DeactivateAsync(CancellationToken cancellationToken = default);
}
