namespace Overseer.Tests.Grains;

/// <summary>Tests that share one cluster; they run one after another and use unique worker ids.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<OverseerCluster>
{
    public const string Name = "cluster";
}
