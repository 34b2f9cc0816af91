using Microsoft.Extensions.Options;

namespace Overseer.Hosting;

/// <summary>Rejects pool settings that cannot work, naming the key and the valid range.</summary>
internal sealed class PoolOptionsValidator : IValidateOptions<PoolOptions>
{
    public const int MaxCap = 10_000_000;

    public ValidateOptionsResult Validate(string? name, PoolOptions o)
    {
        const string p = PoolOptions.SectionName;
        var failures = new List<string>();
        Cap(failures, $"{p}:MaxRunningWorkers", o.MaxRunningWorkers);
        Cap(failures, $"{p}:MaxConcurrentFetchesPerSilo", o.MaxConcurrentFetchesPerSilo);
        Cap(failures, $"{p}:MaxConcurrentFetchesPerHost", o.MaxConcurrentFetchesPerHost);
        if (o.SlotLease < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{p}:SlotLease is {o.SlotLease}: expected at least 1s, and more than {SupervisionOptions.SectionName}:HeartbeatInterval (10s is a good value)");
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
