using Microsoft.Extensions.Options;

namespace Overseer.Hosting;

/// <summary>Rejects supervision settings that cannot work, naming the key and the valid range.</summary>
internal sealed class SupervisionOptionsValidator : IValidateOptions<SupervisionOptions>
{
    public static readonly TimeSpan MinPartitionTick = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan MaxPartitionTick = TimeSpan.FromSeconds(10);
    public const int MaxQueuedStallFactor = 1000;

    public ValidateOptionsResult Validate(string? name, SupervisionOptions o)
    {
        const string p = SupervisionOptions.SectionName;
        var failures = new List<string>();
        if (o.MaxRestarts < 0)
        {
            failures.Add($"{p}:MaxRestarts is {o.MaxRestarts}: expected 0 or more");
        }

        Positive(failures, $"{p}:RestartWindow", o.RestartWindow);
        if (o.BackoffMin < TimeSpan.Zero)
        {
            failures.Add($"{p}:BackoffMin is {o.BackoffMin}: expected 0 (restart at once) or a positive duration such as 100ms");
        }

        Positive(failures, $"{p}:HeartbeatInterval", o.HeartbeatInterval);
        Positive(failures, $"{p}:PartitionPingInterval", o.PartitionPingInterval);
        Positive(failures, $"{p}:PokeTimeout", o.PokeTimeout);
        if (o.BackoffMax < o.BackoffMin)
        {
            failures.Add($"{p}:BackoffMax ({o.BackoffMax}) is below {p}:BackoffMin ({o.BackoffMin}): expected {o.BackoffMin} or more");
        }

        if (o.StallTimeout <= o.HeartbeatInterval)
        {
            failures.Add($"{p}:StallTimeout ({o.StallTimeout}) must exceed {p}:HeartbeatInterval ({o.HeartbeatInterval})");
        }

        if (o.RebalanceInterval < TimeSpan.Zero)
        {
            failures.Add($"{p}:RebalanceInterval is {o.RebalanceInterval}: expected 0 (off) or a positive duration such as 5s");
        }

        if (o.RebalanceMaxMoves < 1)
        {
            failures.Add($"{p}:RebalanceMaxMoves is {o.RebalanceMaxMoves}: expected 1 or more");
        }

        if (o.RestoreConcurrency < 1)
        {
            failures.Add($"{p}:RestoreConcurrency is {o.RestoreConcurrency}: expected 1 or more");
        }

        if (o.PartitionTick < MinPartitionTick || o.PartitionTick > MaxPartitionTick)
        {
            failures.Add($"{p}:PartitionTick is {o.PartitionTick}: expected {MinPartitionTick.TotalMilliseconds}ms..{MaxPartitionTick.TotalSeconds}s, such as 100ms");
        }

        Positive(failures, $"{p}:RegistryFlushInterval", o.RegistryFlushInterval);
        Positive(failures, $"{p}:StallScanInterval", o.StallScanInterval);
        Positive(failures, $"{p}:UnknownWorkerGrace", o.UnknownWorkerGrace);
        Positive(failures, $"{p}:PoolCheckInterval", o.PoolCheckInterval);
        Positive(failures, $"{p}:GaugeInterval", o.GaugeInterval);
        if (o.QueuedStallFactor is < 1 or > MaxQueuedStallFactor)
        {
            failures.Add($"{p}:QueuedStallFactor is {o.QueuedStallFactor}: expected 1..{MaxQueuedStallFactor}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"{key} is {value}: expected a positive duration such as 500ms, 2s or 00:00:02");
        }
    }
}
