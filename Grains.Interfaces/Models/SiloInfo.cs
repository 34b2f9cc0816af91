namespace Overseer.Models;

/// <summary>One silo as membership and the registry see it.</summary>
[GenerateSerializer, Immutable, Alias("overseer.SiloInfo")]
public sealed record SiloInfo
{
    /// <summary><c>host:port</c>, the same string as <see cref="WorkerInfo.Silo"/>.</summary>
    [Id(0)] public required string Address { get; init; }
    /// <summary>The silo's name in the membership table; null when unknown.</summary>
    [Id(1)] public string? Name { get; init; }
    [Id(2)] public required SiloState Status { get; init; }
    /// <summary>Running workers whose registry row names this silo.</summary>
    [Id(3)] public int Workers { get; init; }
    /// <summary>Partition grains activated on this silo.</summary>
    [Id(4)] public int Partitions { get; init; }
    /// <summary>The silo's start generation: tells a restarted silo from its dead predecessor at the same address.</summary>
    [Id(5)] public int Generation { get; init; }
}
