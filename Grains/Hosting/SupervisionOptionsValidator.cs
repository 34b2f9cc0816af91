using Microsoft.Extensions.Options;

namespace Overseer.Hosting;

/// <summary>Rejects supervision settings that cannot work, naming the key and the valid range.</summary>
internal sealed class SupervisionOptionsValidator : IValidateOptions<SupervisionOptions>
{
    public ValidateOptionsResult Validate(string? name, SupervisionOptions o)
    {
        const string p = SupervisionOptions.SectionName;
        var failures = new List<string>();
        if (o.MaxRestarts < 0)
        {
            failures.Add($"{p}:MaxRestarts is {o.MaxRestarts}: expected 0 or more");
        }

        Positive(failures, $"{p}:RestartWindow", o.RestartWindow);
        Positive(failures, $"{p}:BackoffMin", o.BackoffMin);
        Positive(failures, $"{p}:HeartbeatInterval", o.HeartbeatInterval);
        Positive(failures, $"{p}:PartitionPingInterval", o.PartitionPingInterval);
        Positive(failures, $"{p}:PokeTimeout", o.PokeTimeout);
        if (o.BackoffMax < o.BackoffMin)
        {
            failures.Add($"{p}:BackoffMax ({o.BackoffMax}) is below {p}:BackoffMin ({o.BackoffMin})");
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
