namespace Overseer.Bench.Baseline;

/// <summary>The baseline of the idle scenario: a grain that does nothing but keep a 1 s grain timer, so that its
/// memory and CPU are what Orleans costs for an activation that stays alive on a timer.</summary>
[Alias("overseer.bench.IBareTimerGrain")]
public interface IBareTimerGrain : IGrainWithStringKey
{
    /// <summary>Activates the grain (its timer is registered on activation) and returns.</summary>
    [Alias("Ping")]
    Task PingAsync(CancellationToken cancellationToken = default);
}
