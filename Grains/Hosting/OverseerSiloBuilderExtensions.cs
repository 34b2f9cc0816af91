using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Persistence;
using Orleans.Serialization;
using Orleans.Storage;
using Overseer.Errors;
using StackExchange.Redis;

namespace Overseer.Hosting;

/// <summary>The one call a silo (the Silo host, or a test cluster) makes to run Overseer.</summary>
public static class OverseerSiloBuilderExtensions
{
    /// <summary>Adds the Overseer grains and their Redis grain storage, then what <paramref name="configure"/> adds (the
    /// team's source kinds, handlers and PostgreSQL database). Requires an <see cref="IConnectionMultiplexer"/> singleton
    /// (shared by storage, cursors and registry) and, optionally, configured <see cref="OverseerOptions"/>,
    /// <see cref="SupervisionOptions"/> and <see cref="PoolOptions"/>.</summary>
    /// <remarks>Every exception that leaves an Overseer grain is one of the contract's (<c>OverseerException</c>, or a
    /// cancellation): a call filter translates what a grain method throws, and the grain storage translates its own
    /// failures, which can fail an activation where no filter sees them (<see cref="ContractFaults"/>).</remarks>
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
        SpeakTheContract(silo.Services, StorageNames.Workers);
        silo.AddIncomingGrainCallFilter<ContractExceptionFilter>();
        silo.Services.AddOverseerGrains();
        configure?.Invoke(new OverseerBuilder(silo.Services));
        OverseerBuilder.EnsureComplete(silo.Services);
        silo.Services.AddPlacementDirector<Placement.PartitionPlacement, Placement.PartitionPlacementDirector>();
        return silo;
    }

    /// <summary>Replaces the grain storage registered as <paramref name="name"/> by the same storage wrapped in a
    /// <see cref="ContractGrainStorage"/>; its silo-lifecycle registration, which resolves the keyed storage, then reaches
    /// the inner one through the wrapper.</summary>
    private static void SpeakTheContract(IServiceCollection services, string name)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(IGrainStorage) && d.IsKeyedService && Equals(d.ServiceKey, name))
            ?? throw new InvalidOperationException($"no grain storage named '{name}' is registered");
        var create = registered.KeyedImplementationFactory
            ?? throw new InvalidOperationException($"the grain storage named '{name}' is not registered by a factory");
        services.Remove(registered);
        services.AddKeyedSingleton<IGrainStorage>(name, (sp, key) => new ContractGrainStorage((IGrainStorage)create(sp, key)));
    }
}
