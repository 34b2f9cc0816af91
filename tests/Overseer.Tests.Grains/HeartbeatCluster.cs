using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Hosting;

namespace Overseer.Tests.Grains;

/// <summary>A 2-silo <see cref="OverseerCluster"/> whose heartbeats can be lost (<see cref="HeartbeatTamper"/>) and whose
/// pokes are counted and refused on demand (<see cref="PokeBlocker"/>): a refused poke is one the partition made.</summary>
public sealed class HeartbeatCluster : IAsyncLifetime
{
    public HeartbeatTamper Tamper { get; } = new();

    public PokeBlocker Pokes { get; } = new();

    /// <summary>The partitions' word that a worker went silent (their stall scan poked it): <c>PartitionGrain</c>'s event 13.</summary>
    internal CapturedLogs Silences { get; } = new(13);

    public OverseerCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = new OverseerCluster
        {
            ConfigureSilo = silo =>
            {
                silo.AddOutgoingGrainCallFilter(new OutgoingGrainCallFilterDelegate(Tamper.InvokeAsync))
                    .AddOutgoingGrainCallFilter(new OutgoingGrainCallFilterDelegate(Pokes.InvokeAsync));
                silo.Services.AddSingleton<ILoggerProvider>(Silences);
            },
        };
        await Cluster.InitializeAsync();
    }

    public Task DisposeAsync() => Cluster.DisposeAsync();
}
