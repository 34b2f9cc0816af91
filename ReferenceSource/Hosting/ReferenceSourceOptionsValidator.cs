using Microsoft.Extensions.Options;

namespace Overseer.ReferenceSource.Hosting;

/// <summary>Range checks; every failure names the command-line argument, the value and what would be valid.</summary>
internal sealed class ReferenceSourceOptionsValidator : IValidateOptions<ReferenceSourceOptions>
{
    public ValidateOptionsResult Validate(string? name, ReferenceSourceOptions options)
    {
        var failures = new List<string>();
        if (options.Rate is < 1 or > ReferenceSourceOptions.MaxRate)
        {
            failures.Add($"--rate is {options.Rate}: expected an integer 1..{ReferenceSourceOptions.MaxRate} (events per second per feed)");
        }

        if (options.HeartbeatMs is < ReferenceSourceOptions.MinHeartbeatMs or > ReferenceSourceOptions.MaxHeartbeatMs)
        {
            failures.Add(
                $"--heartbeat-ms is {options.HeartbeatMs}: expected an integer {ReferenceSourceOptions.MinHeartbeatMs}..{ReferenceSourceOptions.MaxHeartbeatMs} (milliseconds)");
        }

        if (options.Epoch is { } epoch && epoch > DateTimeOffset.UtcNow)
        {
            failures.Add($"--epoch is {epoch.ToUnixTimeSeconds()} ({epoch:u}): expected a time not in the future (Unix seconds)");
        }

        var urls = options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (urls.Length == 0)
        {
            failures.Add($"--urls is empty: expected absolute http URLs separated by ';', e.g. {ReferenceSourceOptions.DefaultUrls}");
        }

        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                failures.Add($"--urls contains '{url}': expected absolute http URLs separated by ';', e.g. {ReferenceSourceOptions.DefaultUrls}");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
