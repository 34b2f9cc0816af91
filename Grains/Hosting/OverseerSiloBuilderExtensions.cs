using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Persistence;
using Orleans.Serialization;
using Orleans.Storage;
using StackExchange.Redis;

namespace Overseer.Hosting;

/// <summary>The one call a silo (the Silo host, or a test cluster) makes to run Overseer.</summary>
public static class OverseerSiloBuilderExtensions
{
    /// <summary>Adds the Overseer grains and their Redis grain storage. Requires an <see cref="IConnectionMultiplexer"/>
    /// singleton (shared by storage, sink and registry) and, optionally, configured <see cref="OverseerOptions"/> and
    /// <see cref="SupervisionOptions"/>.</summary>
    public static ISiloBuilder AddOverseer(this ISiloBuilder silo)
    {
        silo.AddRedisGrainStorage(StorageNames.Workers, ob => ob.Configure<IConnectionMultiplexer, Serializer>((o, mux, serializer) =>
        {
            // Orleans' binary serializer: version-tolerant through the [Id]s, and it handles the immutable
            // collections in WorkerSpec (the default Newtonsoft JSON serializer cannot read them back).
            o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            o.ConfigurationOptions = new ConfigurationOptions();
            // A deleted worker leaves no key behind (the default writes an empty state).
            o.DeleteStateOnClear = true;
            o.CreateMultiplexer = _ => Task.FromResult<(IConnectionMultiplexer, bool)>((mux, true));
        }));
        silo.Services.AddOverseerGrains();
        silo.Services.AddPlacementDirector<Placement.PartitionPlacement, Placement.PartitionPlacementDirector>();
        return silo;
    }
}
