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
using Overseer.Sinks;
using StackExchange.Redis;

namespace Overseer.Silo.Hosting;

/// <summary>Composes the silo: configuration contract, Redis, Orleans clustering/storage, Overseer, health, and the
/// dashboard and worker view.</summary>
internal static class OverseerSiloExtensions
{
    public static WebApplicationBuilder AddOverseerSilo(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var settings = SiloSettings.Read(config);
        var overseer = Bind<OverseerOptions>(config, OverseerOptions.SectionName, new OverseerOptionsValidator().Validate);
        var supervision = Bind<SupervisionOptions>(config, SupervisionOptions.SectionName, new SupervisionOptionsValidator().Validate);
        Bind<PoolOptions>(config, PoolOptions.SectionName, new PoolOptionsValidator(Options.Create(supervision)).Validate);
        Bind<ClusterMembershipOptions>(config, "Orleans:ClusterMembership", validate: null);
        var telemetry = Bind<TelemetryOptions>(config, TelemetryOptions.SectionName, validate: null);
        var dashboard = Bind<DashboardAccessOptions>(config, DashboardAccessOptions.SectionName, new DashboardAccessOptionsValidator().Validate);
        var requireAuthentication = DashboardAccess.RequiresAuthentication(dashboard, settings.Urls);

        builder.WebHost.UseUrls(settings.Urls);
        var redis = RedisConnector.Connect(settings.Redis, TimeSpan.FromSeconds(10));
        PartitionLayoutGuard.EnsureAsync(redis, new RedisKeys(settings.ServiceId), overseer.Partitions).GetAwaiter().GetResult();
        builder.Services.AddSingleton(redis);
        builder.Services.Configure<OverseerOptions>(o => StrictSectionBinder.Bind(config.GetSection(OverseerOptions.SectionName), o, []));
        builder.Services.Configure<SupervisionOptions>(o => StrictSectionBinder.Bind(config.GetSection(SupervisionOptions.SectionName), o, []));
        builder.Services.Configure<PoolOptions>(o => StrictSectionBinder.Bind(config.GetSection(PoolOptions.SectionName), o, []));

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
            silo.Configure<ClusterMembershipOptions>(o => StrictSectionBinder.Bind(config.GetSection("Orleans:ClusterMembership"), o, []));
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

    /// <summary>Binds eagerly so that a bad value fails start-up before anything connects.</summary>
    private static T Bind<T>(IConfiguration config, string section, Func<string?, T, Microsoft.Extensions.Options.ValidateOptionsResult>? validate)
        where T : class, new()
    {
        var options = new T();
        var problems = new List<string>();
        StrictSectionBinder.Bind(config.GetSection(section), options, problems);
        if (problems.Count == 0 && validate?.Invoke(null, options) is { Failed: true } result)
        {
            problems.AddRange(result.Failures);
        }

        return problems.Count == 0 ? options : throw new SiloConfigurationException(string.Join(Environment.NewLine, problems));
    }
}
