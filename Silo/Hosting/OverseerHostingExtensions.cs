using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Dashboard;
using Overseer.Registry;
using Overseer.Hosting.Dashboard;
using Overseer.Redis;
using StackExchange.Redis;

namespace Overseer.Hosting;

/// <summary>Runs Overseer in an ASP.NET Core host: <c>builder.AddOverseer()</c> makes the application an Overseer silo,
/// <c>app.MapOverseer()</c> serves its health endpoints, the Orleans dashboard and the worker view.</summary>
/// <example><code>
/// var builder = WebApplication.CreateBuilder(args);
/// builder.AddOverseer(o => o.AddSource&lt;MyFeedFactory&gt;("my-feed"));
/// var app = builder.Build();
/// app.MapOverseer();
/// await app.RunAsync();
/// </code></example>
public static class OverseerHostingExtensions
{
    private const string ClusterMembershipSection = "Orleans:ClusterMembership";

    /// <summary>The connection string (<c>ConnectionStrings:postgres</c>) of the PostgreSQL database that PostgreSQL
    /// handlers write to; optional.</summary>
    private const string PostgresConnectionName = "postgres";

    /// <summary>
    /// Makes the application an Overseer silo, configured from <see cref="WebApplicationBuilder.Configuration"/>:
    /// <c>ConnectionStrings:redis</c>, <c>Orleans:ClusterId</c>, <c>Orleans:ServiceId</c>, <c>Orleans:Endpoints:*</c>,
    /// <c>Orleans:ClusterMembership:*</c>, <c>Urls</c> and the <c>Overseer</c> section (partitions, supervision, pool,
    /// Redis durability, telemetry, dashboard access). The configuration is validated now, and Redis is connected now, so a bad value
    /// or an unreachable Redis stops start-up here rather than at the first worker.
    /// </summary>
    /// <param name="builder">The application's builder.</param>
    /// <param name="configure">Adds the team's source kinds, handlers and PostgreSQL database. When
    /// <c>ConnectionStrings:postgres</c> is set, <see cref="OverseerBuilder.AddPostgres"/> has already been called with it
    /// when <paramref name="configure"/> runs.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="SiloConfigurationException">A setting is invalid or Redis cannot be reached; the message names
    /// the key, the value and what would be valid.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An options section failed its
    /// validation.</exception>
    public static WebApplicationBuilder AddOverseer(this WebApplicationBuilder builder, Action<OverseerBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var config = builder.Configuration;
        var settings = SiloSettings.Read(config);
        var overseer = SiloConfiguration.Bind<OverseerOptions>(config, OverseerOptions.SectionName, new OverseerOptionsValidator().Validate);
        var supervision = SiloConfiguration.Bind<SupervisionOptions>(config, SupervisionOptions.SectionName, new SupervisionOptionsValidator().Validate);
        SiloConfiguration.Bind<PoolOptions>(config, PoolOptions.SectionName, new PoolOptionsValidator(Options.Create(supervision)).Validate);
        SiloConfiguration.Bind<RedisDurabilityOptions>(config, RedisDurabilityOptions.SectionName, new RedisDurabilityOptionsValidator().Validate);
        SiloConfiguration.Bind<ClusterMembershipOptions>(config, ClusterMembershipSection);
        var telemetry = SiloConfiguration.Bind<TelemetryOptions>(config, TelemetryOptions.SectionName);
        var startup = SiloConfiguration.Bind<StartupOptions>(config, StartupOptions.SectionName, new StartupOptionsValidator().Validate);
        var dashboard = SiloConfiguration.Bind<DashboardAccessOptions>(config, DashboardAccessOptions.SectionName, new DashboardAccessOptionsValidator().Validate);
        var requireAuthentication = DashboardAccess.RequiresAuthentication(dashboard, settings.Urls);

        builder.WebHost.UseUrls(settings.Urls);
        var redis = RedisConnector.ConnectAsync(settings.Redis, startup.RedisTimeout).GetAwaiter().GetResult();
        RedisConnector.StartupStepAsync(settings.Redis, startup.RedisTimeout, () => PartitionLayoutGuard.EnsureAsync(redis, new RedisKeys(settings.ServiceId), overseer.Partitions))
            .GetAwaiter().GetResult();
        builder.Services.AddSingleton(redis);
        builder.Services.AddOptions<OverseerOptions>().Bind(SiloConfiguration.Section(config, OverseerOptions.SectionName), SiloConfiguration.Strict);
        builder.Services.AddOptions<SupervisionOptions>().Bind(SiloConfiguration.Section(config, SupervisionOptions.SectionName), SiloConfiguration.Strict);
        builder.Services.AddOptions<PoolOptions>().Bind(SiloConfiguration.Section(config, PoolOptions.SectionName), SiloConfiguration.Strict);
        builder.Services.AddOptions<RedisDurabilityOptions>().Bind(SiloConfiguration.Section(config, RedisDurabilityOptions.SectionName), SiloConfiguration.Strict);
        var postgres = config.GetConnectionString(PostgresConnectionName);

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
            silo.AddOverseer(o =>
            {
                if (!string.IsNullOrWhiteSpace(postgres))
                {
                    AddPostgres(o, postgres);
                }

                configure?.Invoke(o);
            });
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

    /// <summary>Serves <c>/health/live</c> (the process answers), <c>/health/ready</c> (this silo is active in the
    /// cluster and Redis answers), the Orleans dashboard at <c>/dashboard</c> and the worker view at <c>/workers</c>
    /// (both behind the <c>Overseer:Dashboard</c> access rule). Call it after <see cref="AddOverseer"/>.</summary>
    /// <param name="app">The built application.</param>
    /// <returns><paramref name="app"/>.</returns>
    public static WebApplication MapOverseer(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapOverseerDashboard();
        return app;
    }

    private static void AddPostgres(OverseerBuilder overseer, string connectionString)
    {
        try
        {
            overseer.AddPostgres(connectionString);
        }
        catch (ArgumentException ex)
        {
            // The builder's own message ends in "(Parameter '…')"; the key is what the operator can act on.
            throw new SiloConfigurationException(
                $"ConnectionStrings:{PostgresConnectionName} is not a valid PostgreSQL connection string ({ex.InnerException?.Message ?? ex.Message}); expected e.g. Host=127.0.0.1;Port=5432;Database=app;Username=app;Password=…");
        }
    }
}
