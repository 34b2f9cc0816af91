using Microsoft.Extensions.Options;

namespace Overseer.Hosting;

/// <summary>Rejects durability settings that cannot work, naming the key, the value and the valid range.</summary>
internal sealed class RedisDurabilityOptionsValidator : IValidateOptions<RedisDurabilityOptions>
{
    /// <summary>More replicas than anyone runs per primary; a larger value is a typo.</summary>
    public const int MaxReplicaAcks = 16;

    public static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(1);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromSeconds(60);

    public ValidateOptionsResult Validate(string? name, RedisDurabilityOptions o)
    {
        const string p = RedisDurabilityOptions.SectionName;
        var failures = new List<string>();
        if (o.MinReplicaAcks is < 0 or > MaxReplicaAcks)
        {
            failures.Add($"{p}:MinReplicaAcks is {o.MinReplicaAcks}: expected 0 (a write counts once the primary has it) or 1..{MaxReplicaAcks} (replicas that must have it too)");
        }

        // WAIT with a timeout of 0 blocks for ever, and a sub-millisecond one rounds to 0.
        if (o.WaitsForReplicas && (o.ReplicaAckTimeout < MinTimeout || o.ReplicaAckTimeout > MaxTimeout))
        {
            failures.Add($"{p}:ReplicaAckTimeout is {o.ReplicaAckTimeout}: expected 1ms..60s while {p}:MinReplicaAcks is {o.MinReplicaAcks} (1s is a good value)");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
