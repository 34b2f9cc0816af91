using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Overseer.Client;

public static class OverseerClientHostingExtensions
{
    /// <summary>How often the client re-reads which gateways are alive (see <c>AddOverseerClient</c>).</summary>
    private static readonly TimeSpan GatewayListRefreshPeriod = TimeSpan.FromSeconds(5);

    /// <summary>Adds an Orleans client for the Overseer cluster (Redis clustering, cluster ids, a bounded
    /// connection retry, calls retried through another gateway after a transport failure) and registers <see cref="OverseerClient"/> as a singleton. The client connects when
    /// the host starts; a cluster that stays unreachable fails the start with a
    /// <see cref="ClusterUnreachableException"/>.</summary>
    /// <remarks>Reads <see cref="OverseerClientOptions.RedisKey"/>, <see cref="OverseerClientOptions.ClusterIdKey"/>,
    /// <see cref="OverseerClientOptions.ServiceIdKey"/>, <see cref="OverseerClientOptions.ConnectTimeoutKey"/> and
    /// <see cref="OverseerClientOptions.CallTimeoutKey"/>
    /// from <see cref="IHostApplicationBuilder.Configuration"/> now, so a malformed value fails here.</remarks>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is malformed; the message names its key.</exception>
    public static IHostApplicationBuilder AddOverseerClient(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOverseerClient(builder.Configuration);
        return builder;
    }

    /// <summary>The same as <see cref="AddOverseerClient(IHostApplicationBuilder)"/> for any app that has a service
    /// collection and a configuration (a generic host, ASP.NET Core, a worker service): registers the Orleans
    /// client and <see cref="OverseerClient"/>; the client connects when the host starts.</summary>
    /// <remarks>Reads the settings from <paramref name="configuration"/> now, so a malformed value fails here. Not
    /// for a silo host: <c>UseOrleans</c> already includes a client.</remarks>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is malformed; the message names its key.</exception>
    public static IServiceCollection AddOverseerClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = OverseerClientOptions.FromConfiguration(configuration);

        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new CallRetry(
            options.CallTimeout, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<CallRetry>>()));
        services.AddSingleton(sp => new OverseerClient(sp.GetRequiredService<IClusterClient>(), sp.GetRequiredService<CallRetry>(), options.Actor));
        services.AddOrleansClient(configuration, client =>
        {
            // Clone: the provider owns (and may mutate) the instance it is given.
            client.UseRedisClustering(o => o.ConfigurationOptions = options.Redis.Clone());
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            // A silo that is frozen or cut off keeps its open gateway connection, and a client keeps sending to it until
            // its gateway list next refreshes (Orleans' default: every minute) though the cluster declared it dead within
            // seconds; every call meanwhile times out. Refreshed every few seconds instead (one read of the membership).
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = GatewayListRefreshPeriod);
            client.UseConnectionRetryFilter<ConnectRetryFilter>();
            // Carries the caller's trace into the cluster (W3C context); spans exist only when something listens.
            client.AddActivityPropagation();
        });
        return services;
    }
}
