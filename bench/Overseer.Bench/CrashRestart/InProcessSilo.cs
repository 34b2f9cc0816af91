using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Overseer.Hosting;
using Overseer.Testing;
using StackExchange.Redis;

namespace Overseer.Bench.CrashRestart;

/// <summary>One silo hosted in the bench process, over a private redis-server: the workers' spans are then visible to
/// an in-process <see cref="System.Diagnostics.ActivityListener"/>, and the bench's own grains (Baseline/) run next to
/// the workers. Shipped settings (8 partitions, default pool) except the supervision backoff.</summary>
/// <remarks>"Telemetry on" here is what it is in the Silo host minus the exporter: activity propagation into grain
/// calls, and a listener that samples the <c>Overseer</c> source (the bench's own). One silo, so a reactivation is
/// never placed on another silo and the calls made from the bench are local, for the workers and the baseline alike.</remarks>
internal sealed class InProcessSilo : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly IHost _host;

    private InProcessSilo(IHost host, RedisServer? redis, IConnectionMultiplexer mux, TimeSpan backoff, string serviceId)
    {
        _host = host;
        Redis = redis;
        Mux = mux;
        Backoff = backoff;
        ServiceId = serviceId;
    }

    /// <summary>The private redis-server this silo started and owns, or null when it runs on one given to it.</summary>
    public RedisServer? Redis { get; }

    /// <summary>The durable-data scope: worker keys are <c>overseer:{ServiceId}:…</c>.</summary>
    public string ServiceId { get; }

    public IConnectionMultiplexer Mux { get; }

    /// <summary>The supervision backoff the silo runs with (<c>BackoffMin</c> = <c>BackoffMax</c>).</summary>
    public TimeSpan Backoff { get; }

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    /// <summary>Starts Redis and the silo with <c>BackoffMin = BackoffMax = </c><paramref name="backoff"/>; if the
    /// options validator refuses it, with <paramref name="fallbackBackoff"/> instead (<see cref="Backoff"/> says which).</summary>
    public static async Task<InProcessSilo> StartAsync(TimeSpan backoff, TimeSpan fallbackBackoff, CancellationToken cancellationToken)
    {
        var redis = await RedisServer.StartNewAsync(cancellationToken: cancellationToken);
        IConnectionMultiplexer? mux = null;
        try
        {
            mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
            var serviceId = $"bench-{Guid.NewGuid():N}";
            Progress.Say($"crash-restart: redis-server on port {redis.Port}; starting an in-process silo (backoff {backoff.TotalMilliseconds} ms)");
            try
            {
                return new InProcessSilo(await StartHostAsync(mux, serviceId, backoff, cancellationToken), redis, mux, backoff, serviceId);
            }
            catch (Exception ex) when (BackoffRefusals(ex) is { Count: > 0 } refusals)
            {
                Progress.Say($"crash-restart: the silo refused backoff {backoff.TotalMilliseconds} ms ({string.Join("; ", refusals.Distinct())}); "
                    + $"running with {fallbackBackoff.TotalMilliseconds} ms instead");
                return new InProcessSilo(await StartHostAsync(mux, serviceId, fallbackBackoff, cancellationToken), redis, mux, fallbackBackoff, serviceId);
            }
        }
        catch
        {
            if (mux is not null)
            {
                await mux.DisposeAsync();
            }

            await redis.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a silo with the shipped supervision settings on a redis-server it does not own (the suite's
    /// child processes: each one silo on the parent's Redis, under <paramref name="serviceId"/>).</summary>
    /// <param name="configure">What the silo's host adds to Overseer, e.g. <c>Overseer:Redis</c> durability options.</param>
    public static async Task<InProcessSilo> StartOnAsync(string redisConnectionString, string serviceId, CancellationToken cancellationToken, Action<OverseerBuilder>? configure = null)
    {
        var mux = await ConnectionMultiplexer.ConnectAsync(redisConnectionString);
        try
        {
            var shipped = new SupervisionOptions().BackoffMin;
            return new InProcessSilo(await StartHostAsync(mux, serviceId, backoff: null, cancellationToken, configure), null, mux, shipped, serviceId);
        }
        catch
        {
            await mux.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a private redis-server and a silo with the shipped supervision settings on it.</summary>
    /// <param name="configure">What the silo's host adds to Overseer (<c>AddOverseer(o => …)</c>), e.g. the handler
    /// scenario's PostgreSQL database and bench handler.</param>
    public static async Task<InProcessSilo> StartShippedAsync(CancellationToken cancellationToken, Action<OverseerBuilder>? configure = null)
    {
        var redis = await RedisServer.StartNewAsync(cancellationToken: cancellationToken);
        IConnectionMultiplexer? mux = null;
        try
        {
            mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
            var serviceId = $"bench-{Guid.NewGuid():N}";
            var shipped = new SupervisionOptions().BackoffMin;
            return new InProcessSilo(await StartHostAsync(mux, serviceId, backoff: null, cancellationToken, configure), redis, mux, shipped, serviceId);
        }
        catch
        {
            if (mux is not null)
            {
                await mux.DisposeAsync();
            }

            await redis.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        using (var stopping = new CancellationTokenSource(StopTimeout))
        {
            try
            {
                await _host.StopAsync(stopping.Token);
            }
            catch (OperationCanceledException)
            {
                // Workers still deactivating when the bench is over change nothing: Redis goes next.
            }
        }

        _host.Dispose();
        await Mux.DisposeAsync();
        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }
    }

    /// <summary>The options validator's complaints about the backoff; the host reports them wrapped in an AggregateException.</summary>
    private static List<string> BackoffRefusals(Exception ex) =>
        ex switch
        {
            OptionsValidationException invalid => [.. invalid.Failures.Where(f => f.Contains("Backoff", StringComparison.Ordinal))],
            AggregateException all => [.. all.Flatten().InnerExceptions.SelectMany(BackoffRefusals)],
            _ => [],
        };

    private static async Task<IHost> StartHostAsync(IConnectionMultiplexer mux, string serviceId, TimeSpan? backoff, CancellationToken cancellationToken, Action<OverseerBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton(mux);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(PortAllocator.GetFreePort(), PortAllocator.GetFreePort(), serviceId: serviceId, clusterId: $"bench-{Guid.NewGuid():N}");
            silo.AddOverseer(configure);
            silo.AddActivityPropagation();
            if (backoff is { } fixedBackoff)
            {
                silo.Services.Configure<SupervisionOptions>(o =>
                {
                    o.BackoffMin = fixedBackoff;
                    o.BackoffMax = fixedBackoff;
                });
            }
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }
}
