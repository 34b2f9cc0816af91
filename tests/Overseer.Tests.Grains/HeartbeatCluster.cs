using Orleans.Hosting;

namespace Overseer.Tests.Grains;

/// <summary>A 2-silo <see cref="OverseerCluster"/> whose heartbeats can be lost (<see cref="HeartbeatTamper"/>) and whose
/// pokes are counted and refused on demand (<see cref="PokeBlocker"/>): a refused poke is one the partition made.</summary>
public sealed class HeartbeatCluster : IAsyncLifetime
{
    public HeartbeatTamper Tamper { get; } = new();

    public PokeBlocker Pokes { get; } = new();

    public OverseerCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = new OverseerCluster
        {
            ConfigureSilo = silo => silo
                .AddOutgoingGrainCallFilter(new OutgoingGrainCallFilterDelegate(Tamper.InvokeAsync))
                .AddOutgoingGrainCallFilter(new OutgoingGrainCallFilterDelegate(Pokes.InvokeAsync)),
        };
        await Cluster.InitializeAsync();
    }

    public Task DisposeAsync() => Cluster.DisposeAsync();
}
