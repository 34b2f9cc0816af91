namespace Overseer.Tests.Cluster;

/// <summary>The test classes that run the ERC-20 sample's own host: they share one pack and build of it
/// (<see cref="Erc20SampleHost"/>, a minute or more on two cores) and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class Erc20SampleCollection : ICollectionFixture<Erc20SampleHost>
{
    public const string Name = "erc20-sample";
}
