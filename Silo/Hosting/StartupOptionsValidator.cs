using Microsoft.Extensions.Options;

namespace Overseer.Hosting;

/// <summary>Checks <see cref="StartupOptions"/>, naming the key and what would be valid.</summary>
internal sealed class StartupOptionsValidator : IValidateOptions<StartupOptions>
{
    public static readonly TimeSpan MinRedisTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxRedisTimeout = TimeSpan.FromHours(1);

    public ValidateOptionsResult Validate(string? name, StartupOptions options) =>
        options.RedisTimeout < MinRedisTimeout || options.RedisTimeout > MaxRedisTimeout
            ? ValidateOptionsResult.Fail(
                $"{StartupOptions.SectionName}:RedisTimeout is {options.RedisTimeout}: expected {MinRedisTimeout.TotalSeconds}s..{MaxRedisTimeout.TotalHours}h, how long a starting silo waits for Redis to answer")
            : ValidateOptionsResult.Success;
}
