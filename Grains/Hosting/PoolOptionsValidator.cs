using Microsoft.Extensions.Options;

namespace Overseer.Hosting;

/// <summary>Rejects pool settings that cannot work, naming the key and the valid range.</summary>
/// <remarks>The slot lease is checked against the heartbeat that renews it: a lease shorter than one heartbeat would
/// let running workers lose their slots between renewals.</remarks>
internal sealed class PoolOptionsValidator(IOptions<SupervisionOptions> supervision) : IValidateOptions<PoolOptions>
{
    public const int MaxCap = 10_000_000;

    public ValidateOptionsResult Validate(string? name, PoolOptions o)
    {
        const string p = PoolOptions.SectionName;
        var failures = new List<string>();
        Cap(failures, $"{p}:MaxRunningWorkers", o.MaxRunningWorkers);
        Cap(failures, $"{p}:MaxConcurrentFetchesPerSilo", o.MaxConcurrentFetchesPerSilo);
        Cap(failures, $"{p}:MaxConcurrentFetchesPerHost", o.MaxConcurrentFetchesPerHost);
        Cap(failures, $"{p}:MaxConcurrentCommitsPerSilo", o.MaxConcurrentCommitsPerSilo);
        var heartbeat = supervision.Value.HeartbeatInterval;
        if (o.SlotLease < TimeSpan.FromSeconds(1) || o.SlotLease <= heartbeat)
        {
            failures.Add($"{p}:SlotLease is {o.SlotLease}: expected at least 1s, and more than {SupervisionOptions.SectionName}:HeartbeatInterval ({heartbeat}; 10s is a good value)");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Cap(List<string> failures, string key, int value)
    {
        if (value is < 0 or > MaxCap)
        {
            failures.Add($"{key} is {value}: expected 0 (unlimited) or 1..{MaxCap}");
        }
    }
}
