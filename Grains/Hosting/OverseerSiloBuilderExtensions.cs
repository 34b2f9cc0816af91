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
    /// <summary>Adds the Overseer grains and their Redis grain storage, then what <paramref name="configure"/> adds (the
    /// team's source kinds, handlers and PostgreSQL database). Requires an <see cref="IConnectionMultiplexer"/> singleton
    /// (shared by storage, cursors and registry) and, optionally, configured <see cref="OverseerOptions"/>,
    /// <see cref="SupervisionOptions"/> and <see cref="PoolOptions"/>.</summary>
    public static ISiloBuilder AddOverseer(this ISiloBuilder silo, Action<OverseerBuilder>? configure = null)
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
        configure?.Invoke(new OverseerBuilder(silo.Services));
        OverseerBuilder.EnsureComplete(silo.Services);
        silo.Services.AddPlacementDirector<Placement.PartitionPlacement, Placement.PartitionPlacementDirector>();
        return silo;
    }
}
