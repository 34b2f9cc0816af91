namespace Overseer.Bench.Baseline;

/// <summary>The bare grain's persisted state: about the size of a worker's small fields.</summary>
[GenerateSerializer, Alias("overseer.bench.BareState")]
public sealed class BareState
{
    [Id(0)]
    public long Touches { get; set; }

    [Id(1)]
    public string Payload { get; set; } = "";

    [Id(2)]
    public DateTimeOffset UpdatedAt { get; set; }
}
