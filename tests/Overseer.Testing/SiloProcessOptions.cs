namespace Overseer.Testing;

/// <summary>How to launch one real silo process; see <see cref="SiloProcess.Start"/>.</summary>
/// <remarks>
/// Ports left at 0 are chosen by <see cref="PortAllocator"/> when the silo starts; <see cref="SiloProcess.Options"/>
/// holds the chosen ones, so <c>SiloProcess.Start(killed.Options)</c> restarts a silo on the same ports.
/// </remarks>
public sealed record SiloProcessOptions
{
    /// <summary>
    /// Membership settings that declare a killed silo dead in about a second and a hung one in a few
    /// (measured: docs notes, section 9). One death vote is enough: fine for tests, not for production.
    /// </summary>
    public static IReadOnlyDictionary<string, string> FastFailureDetection { get; } = new Dictionary<string, string>
    {
        ["Orleans__ClusterMembership__ProbeTimeout"] = "1s",
        ["Orleans__ClusterMembership__MinProbeTimeout"] = "500ms",
        ["Orleans__ClusterMembership__MaxProbeTimeout"] = "1s",
        ["Orleans__ClusterMembership__NumMissedProbesLimit"] = "2",
        ["Orleans__ClusterMembership__NumVotesForDeathDeclaration"] = "1",
        ["Orleans__ClusterMembership__TableRefreshTimeout"] = "2s",
        ["Orleans__ClusterMembership__IAmAliveTablePublishTimeout"] = "5s",
        ["Orleans__ClusterMembership__DeathVoteExpirationTimeout"] = "10s",
    };

    /// <summary>The StackExchange.Redis connection string, e.g. <see cref="RedisServer.ConnectionString"/>.</summary>
    public required string RedisConnectionString { get; init; }

    /// <summary>The Orleans cluster id; use a unique one per test so clusters never meet.</summary>
    public required string ClusterId { get; init; }

    /// <summary>The Orleans service id, which scopes persisted state.</summary>
    public required string ServiceId { get; init; }

    /// <summary>The host assembly to run with <c>dotnet</c>: null runs the repository's silo (<see cref="RepoPaths.SiloDll"/>);
    /// a team's own host built on Overseer.Hosting takes the same environment.</summary>
    public string? HostDll { get; init; }

    /// <summary>A label for logs and failure messages.</summary>
    public string Name { get; init; } = "silo";

    /// <summary>The silo-to-silo port; 0 picks a free one.</summary>
    public int SiloPort { get; init; }

    /// <summary>The client gateway port; 0 picks a free one.</summary>
    public int GatewayPort { get; init; }

    /// <summary>The HTTP port (health endpoints, dashboard); 0 picks a free one.</summary>
    public int HttpPort { get; init; }

    /// <summary>
    /// Further settings as environment variables, i.e. configuration keys with <c>__</c> for <c>:</c>
    /// (e.g. <see cref="FastFailureDetection"/>, or <c>Overseer__Partitions</c>). They are applied last and win.
    /// </summary>
    public IReadOnlyDictionary<string, string> ExtraEnvironment { get; init; } = new Dictionary<string, string>();
}
