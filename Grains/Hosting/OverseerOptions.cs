namespace Overseer.Hosting;

/// <summary>Product settings, bound from the <c>Overseer</c> configuration section.</summary>
public sealed class OverseerOptions
{
    /// <summary>The configuration section these options are bound from: <c>Overseer</c>.</summary>
    public const string SectionName = "Overseer";

    /// <summary>Number of registry/supervisor partitions (P). Default 8. Fixed for the life of a ServiceId:
    /// a worker's partition is a stable hash of its id modulo P.</summary>
    public int Partitions { get; set; } = 8;
}
