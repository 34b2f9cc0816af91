using Microsoft.Extensions.Options;

namespace Overseer.Hosting;

/// <summary>Rejects settings that cannot work, naming the key and the valid range.</summary>
internal sealed class OverseerOptionsValidator : IValidateOptions<OverseerOptions>
{
    public const int MaxPartitions = 4096;

    public ValidateOptionsResult Validate(string? name, OverseerOptions options) =>
        options.Partitions is < 1 or > MaxPartitions
            ? ValidateOptionsResult.Fail($"Overseer:Partitions is {options.Partitions}: expected 1..{MaxPartitions}")
            : ValidateOptionsResult.Success;
}
