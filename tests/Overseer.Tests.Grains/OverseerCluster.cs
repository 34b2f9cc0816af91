using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Overseer.Hosting;
using Overseer.Sources;
using Overseer.Testing;
using StackExchange.Redis;

namespace Overseer.Tests.Grains;

/// <summary>A 2-silo in-process cluster on a private, real redis-server (or on the Redis named by
/// <see cref="RedisConnectionString"/>, e.g. a real Redis Cluster), with fast supervision timings.</summary>
public sealed class OverseerCluster : IAsyncLifetime
{
    public const int Partitions = 4;

    /// <summary>The fixture's private redis-server; null when <see cref="RedisConnectionString"/> is set.</summary>
    public RedisServer Redis { get; private set; } = null!;

    public IConnectionMultiplexer Mux { get; private set; } = null!;

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public string ServiceId { get; } = $"svc-{Guid.NewGuid():N}";

    public IClusterClient Client => Cluster.Client;

    public IManagerGrain Manager => Client.GetGrain<IManagerGrain>(0);

    /// <summary>Silos of the cluster <see cref="InitializeAsync"/> starts. Default 2.</summary>
    public short Silos { get; init; } = 2;

    /// <summary>Pool settings for every silo; none = no caps (the default product behaviour).</summary>
    public Action<PoolOptions>? Pool { get; init; }

    /// <summary>More silo configuration, applied after Overseer's (e.g. grain collection ages).</summary>
    public Action<ISiloBuilder>? ConfigureSilo { get; init; }

    /// <summary>What a team's silo host adds (handlers, a PostgreSQL database, sources), as its AddOverseer callback.</summary>
    public Action<OverseerBuilder>? Overseer { get; init; }

    /// <summary>More redis-server arguments for this fixture's server (e.g. to allow DEBUG in a fault test). Default none.</summary>
    public IReadOnlyList<string> RedisArguments { get; init; } = [];

    /// <summary>A Redis the caller owns to run on instead of a private redis-server, e.g. <see cref="RedisCluster"/>'s
    /// connection string. Default none (the fixture starts and disposes its own server).</summary>
    public string? RedisConnectionString { get; init; }

    public async Task InitializeAsync()
    {
        if (RedisConnectionString is null)
        {
            Redis = await RedisServer.StartNewAsync(RedisArguments);
        }

        Mux = await ConnectionMultiplexer.ConnectAsync(RedisConnectionString ?? Redis.ConnectionString);
        Cluster = await StartClusterAsync(ServiceId, Silos);
    }

    /// <summary>A cluster of <paramref name="silos"/> silos over this fixture's Redis and ServiceId.</summary>
    public async Task<InProcessTestCluster> StartClusterAsync(string serviceId, short silos = 2)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ServiceId = serviceId;
        builder.Options.ClusterId = $"cluster-{Guid.NewGuid():N}";
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSiloHost((_, host) => host.Services.AddSingleton(Mux));
        // As the Silo host and the client library do: a caller's trace context flows into grain calls.
        builder.ConfigureClient(client => client.AddActivityPropagation());
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddOverseer(o =>
            {
                o.AddSource<ProbeSourceFactory>(ProbeSourceFactory.Kind).AddHandler<PrefixHandler>(PrefixHandler.Name).AddHandler<GateHandler>(GateHandler.Name);
                Overseer?.Invoke(o);
            });
            ConfigureSilo?.Invoke(silo);
            silo.AddActivityPropagation();
            silo.Services.Configure<OverseerOptions>(o => o.Partitions = Partitions);
            if (Pool is { } pool)
            {
                silo.Services.Configure(pool);
            }
            silo.Services.Configure<SupervisionOptions>(o =>
            {
                o.BackoffMin = TimeSpan.FromMilliseconds(20);
                o.BackoffMax = TimeSpan.FromMilliseconds(400);
                o.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
                o.StallTimeout = TimeSpan.FromSeconds(2);
                o.PartitionPingInterval = TimeSpan.FromSeconds(1);
                o.PokeTimeout = TimeSpan.FromSeconds(2);

                // Partitions stay where they were first placed: these tests rely on a partition answering in the
                // order it was called. Moves and rebalancing are tested against real processes (ScaleOutTests).
                o.RebalanceInterval = TimeSpan.Zero;
            });
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Mux.Dispose();
        if (RedisConnectionString is null)
        {
            await Redis.DisposeAsync();
        }
    }
}
