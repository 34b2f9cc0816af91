using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Dashboard;
using Overseer.Hosting;
using Overseer.Registry;
using Overseer.Silo.Dashboard;
using Overseer.Outputs;
using Overseer.Redis;
using StackExchange.Redis;

namespace Overseer.Silo.Hosting;

/// <summary>Composes the silo: configuration contract, Redis, Orleans clustering/storage, Overseer, health, and the
/// dashboard and worker view.</summary>
internal static class OverseerSiloExtensions
{
    private const string ClusterMembershipSection = "Orleans:ClusterMembership";

    public static WebApplicationBuilder AddOverseerSilo(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var settings = SiloSettings.Read(config);
        var overseer = SiloConfiguration.Bind<OverseerOptions>(config, OverseerOptions.SectionName, new OverseerOptionsValidator().Validate);
        var supervision = SiloConfiguration.Bind<SupervisionOptions>(config, SupervisionOptions.SectionName, new SupervisionOptionsValidator().Validate);
        SiloConfiguration.Bind<PoolOptions>(config, PoolOptions.SectionName, new PoolOptionsValidator(Options.Create(supervision)).Validate);
        SiloConfiguration.Bind<ClusterMembershipOptions>(config, ClusterMembershipSection);
        var telemetry = SiloConfiguration.Bind<TelemetryOptions>(config, TelemetryOptions.SectionName);
        var dashboard = SiloConfiguration.Bind<DashboardAccessOptions>(config, DashboardAccessOptions.SectionName, new DashboardAccessOptionsValidator().Validate);
        var requireAuthentication = DashboardAccess.RequiresAuthentication(dashboard, settings.Urls);

        builder.WebHost.UseUrls(settings.Urls);
        var redis = RedisConnector.Connect(settings.Redis, TimeSpan.FromSeconds(10));
        PartitionLayoutGuard.EnsureAsync(redis, new RedisKeys(settings.ServiceId), overseer.Partitions).GetAwaiter().GetResult();
        builder.Services.AddSingleton(redis);
        builder.Services.AddOptions<OverseerOptions>().Bind(SiloConfiguration.Section(config, OverseerOptions.SectionName), SiloConfiguration.Strict);
        builder.Services.AddOptions<SupervisionOptions>().Bind(SiloConfiguration.Section(config, SupervisionOptions.SectionName), SiloConfiguration.Strict);
        builder.Services.AddOptions<PoolOptions>().Bind(SiloConfiguration.Section(config, PoolOptions.SectionName), SiloConfiguration.Strict);

        builder.UseOrleans(silo =>
        {
            silo.UseRedisClustering(o =>
            {
                o.ConfigurationOptions = new ConfigurationOptions();
                o.CreateMultiplexer = _ => Task.FromResult<(IConnectionMultiplexer, bool)>((redis, true));
            });
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
            silo.Configure<EndpointOptions>(o =>
            {
                o.AdvertisedIPAddress = settings.AdvertisedAddress;
                o.SiloPort = settings.SiloPort;
                o.GatewayPort = settings.GatewayPort;
                o.SiloListeningEndpoint = new(settings.AdvertisedAddress, settings.SiloPort);
                o.GatewayListeningEndpoint = new(settings.AdvertisedAddress, settings.GatewayPort);
            });
            silo.Services.AddOptions<ClusterMembershipOptions>().Bind(SiloConfiguration.Section(config, ClusterMembershipSection), SiloConfiguration.Strict);
            silo.AddOverseer();
            silo.AddDashboard();
            if (telemetry.Enabled)
            {
                silo.AddActivityPropagation();
            }
        });

        if (telemetry.Enabled)
        {
            builder.AddOverseerTelemetry();
        }

        builder.Services.AddOverseerDashboard(dashboard, requireAuthentication);
        builder.Services.AddHealthChecks().AddCheck<ReadinessHealthCheck>("ready", tags: ["ready"]);
        return builder;
    }

    public static WebApplication MapOverseerEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapOverseerDashboard();
        return app;
    }
}
