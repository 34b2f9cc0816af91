using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Overseer.Diagnostics;
using Overseer.Pool;
using Overseer.Registry;
using Overseer.Outputs;
using Overseer.Redis;
using Overseer.Sources;
using Overseer.Sources.Evm;
using Overseer.Sources.Failover;
using Overseer.Sources.Feeds;
using Overseer.Sources.Http;
using Overseer.Sources.Sequence;
using Overseer.Sources.Streams;
using Overseer.Sources.WebSockets;
using Overseer.Supervision;

namespace Overseer.Hosting;

/// <summary>Registers what the Overseer grains need inside a silo. The host provides an
/// <c>IConnectionMultiplexer</c>, the grain storage named <see cref="StorageNames.Workers"/>, and the options.</summary>
internal static class OverseerServiceCollectionExtensions
{
    public static IServiceCollection AddOverseerGrains(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<OverseerOptions>().ValidateOnStart();
        services.AddOptions<SupervisionOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<OverseerOptions>, OverseerOptionsValidator>();
        services.AddSingleton<IValidateOptions<SupervisionOptions>, SupervisionOptionsValidator>();
        services.AddOptions<PoolOptions>().ValidateOnStart();
        services.AddOptions<RedisDurabilityOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<RedisDurabilityOptions>, RedisDurabilityOptionsValidator>();
        services.AddSingleton<IValidateOptions<PoolOptions>, PoolOptionsValidator>();
        services.AddSingleton<SlotPool>();
        services.AddSingleton<RetryingSlotPool>();
        services.AddSingleton<FetchThrottle>();
        services.AddSingleton<CommitThrottle>();
        services.AddSingleton<PoolSnapshot>();
        services.AddSingleton(sp => new RedisKeys(sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId));
        services.AddSingleton<StoreRetry>();
        services.AddSingleton<Outputs.Redis.ReplicaAcks>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<Outputs.Redis.ReplicaAcks>());
        services.AddSingleton<Outputs.Redis.RedisStreamOutput>();
        services.AddSingleton<Outputs.Postgres.PostgresSchema>();
        services.AddSingleton<Handlers.HandlerCatalog>();
        services.AddSingleton<Outputs.OutputCatalog>();
        services.AddSingleton<Sources.PaceClock>();
        services.AddSingleton<Workers.WorkerServices>();
        services.AddSingleton<RegistryStore>();
        services.AddSingleton<OverseerGrains>();
        services.AddSingleton<Operations.AuditLog>();
        services.AddSingleton<SourceCatalog>();
        services.AddMetrics();
        services.AddSingleton<PartitionSnapshots>();
        services.AddSingleton<OverseerInstruments>();
        services.AddSourceHttpClient();
        services.AddSingleton(sp => new FailoverSources(
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>(), sp.GetRequiredService<OverseerInstruments>()));
        services.AddEventSource<SequenceSourceFactory>(SequenceSourceFactory.Kind);
        services.AddEventSource<HttpPollSourceFactory>(HttpPollSourceFactory.Kind);
        services.AddEventSource<WebSocketSourceFactory>(WebSocketSourceFactory.Kind);
        services.AddEventSource<FeedSourceFactory>(FeedSourceFactory.Kind);
        services.AddEventSource<EvmSourceFactory>(EvmSourceFactory.Kind);
        services.AddEventSource<StreamSourceFactory>(StreamSourceFactory.Kind);
        services.AddSingleton<StreamFollowers>();
        services.AddSingleton<PartitionKeeper>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<PartitionKeeper>());
        services.AddSingleton<Admission.PauseGuard>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<Admission.PauseGuard>());
        services.AddSingleton<IIncomingGrainCallFilter>(sp => sp.GetRequiredService<Admission.PauseGuard>());
        services.AddSingleton<Admission.RequestDeadlineFilter>();
        services.AddSingleton<IIncomingGrainCallFilter>(sp => sp.GetRequiredService<Admission.RequestDeadlineFilter>());
        services.AddSingleton<IOutgoingGrainCallFilter>(sp => sp.GetRequiredService<Admission.RequestDeadlineFilter>());
        services.AddSingleton<Workers.HeartbeatSweep>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<Workers.HeartbeatSweep>());
        return services;
    }
}
