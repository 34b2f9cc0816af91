using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Overseer.Client;
using Overseer.Testing;
using StackExchange.Redis;

namespace Overseer.Bench;

/// <summary>A private redis-server, real silo processes with the shipped settings (default supervision), and a
/// connected client, under a ClusterId and ServiceId of their own.</summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    private static readonly TimeSpan SiloReadyTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly List<SiloProcess> _silos = [];
    private readonly HashSet<SiloProcess> _killed = [];
    private ConnectionMultiplexer? _mux;
    private IHost? _clientHost;

    private BenchCluster(RedisServer redis) => Redis = redis;

    public RedisServer Redis { get; }

    public string ClusterId { get; } = $"bench-{Guid.NewGuid():N}";

    public string ServiceId { get; } = $"bench-{Guid.NewGuid():N}";

    public IReadOnlyList<SiloProcess> Silos => _silos;

    public OverseerClient Client =>
        _clientHost?.Services.GetRequiredService<OverseerClient>() ?? throw new InvalidOperationException("not connected");

    /// <summary>Starts Redis and <paramref name="silos"/> silos, waits until every silo is ready, and connects a client.</summary>
    /// <param name="environment">Extra environment for every silo (e.g. <c>Overseer__Telemetry__Enabled</c>).</param>
    public static async Task<BenchCluster> StartAsync(int silos, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        var cluster = new BenchCluster(await RedisServer.StartNewAsync(cancellationToken: cancellationToken));
        try
        {
            Progress.Say($"redis-server on port {cluster.Redis.Port}; starting {silos} silo(s)");
            await Task.WhenAll(Enumerable.Range(0, silos).Select(i => cluster.StartSiloAsync(new SiloProcessOptions
            {
                Name = $"silo-{i}",
                RedisConnectionString = cluster.Redis.ConnectionString,
                ClusterId = cluster.ClusterId,
                ServiceId = cluster.ServiceId,
                ExtraEnvironment = environment ?? new Dictionary<string, string>(),
            }, cancellationToken)));
            // allowAdmin: the restore scenario reads INFO cpu.
            cluster._mux = await ConnectionMultiplexer.ConnectAsync($"{cluster.Redis.ConnectionString},allowAdmin=true");
            cluster._clientHost = BuildClientHost(cluster.Redis.ConnectionString, cluster.ClusterId, cluster.ServiceId);
            await cluster._clientHost.StartAsync(cancellationToken);
            Progress.Say($"{silos} silo(s) ready, client connected (silo logs: {string.Join(", ", cluster._silos.Select(s => s.LogPath))})");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>How many runs each worker has started: the fencing generation its sink claims once per run.</summary>
    /// <remarks>Read from Redis itself, so asking does not activate the worker. Key layout: <c>RedisKeys.Cursor</c> in Grains.</remarks>
    public async Task<long[]> RunCountsAsync(IReadOnlyList<string> workerIds)
    {
        var db = (_mux ?? throw new InvalidOperationException("not connected")).GetDatabase();
        var gens = await Task.WhenAll(workerIds.Select(id => db.HashGetAsync($"overseer:{ServiceId}:w:{{{id}}}:cursor", "gen")));
        return [.. gens.Select(g => g.IsNull ? 0 : (long)g)];
    }

    /// <summary>Every worker's committed checkpoint, read from Redis in one pipelined round.</summary>
    public async Task<long[]> CheckpointsAsync(IReadOnlyList<string> workerIds)
    {
        var db = (_mux ?? throw new InvalidOperationException("not connected")).GetDatabase();
        var cps = await Task.WhenAll(workerIds.Select(id => db.HashGetAsync($"overseer:{ServiceId}:w:{{{id}}}:cursor", "cp")));
        return [.. cps.Select(c => c.IsNull ? 0 : (long)c)];
    }

    /// <summary>The bench's own connection to the cluster's Redis.</summary>
    public IDatabase Database => (_mux ?? throw new InvalidOperationException("not connected")).GetDatabase();

    /// <summary>SIGKILLs every silo process (a real crash of the whole cluster) and waits until each has exited.</summary>
    public async Task KillSilosAsync()
    {
        foreach (var silo in _silos.Where(_killed.Add))
        {
            silo.Kill();
            await silo.DisposeAsync();
        }
    }

    /// <summary>Starts a new process for every silo on its predecessor's ports (a restarted machine: it supersedes the
    /// dead generation at once); returns when the first is launched, and the task that completes when all are ready.</summary>
    public Task RestartSilosAsync(CancellationToken cancellationToken)
    {
        List<SiloProcessOptions> options;
        lock (_silos)
        {
            options = [.. _silos.Select(s => s.Options)];
            _silos.Clear();
        }

        return Task.WhenAll(options.Select(option => StartSiloAsync(option with { Name = $"{option.Name}r" }, cancellationToken)));
    }

    private Task<SiloProcess> StartSiloAsync(SiloProcessOptions options, CancellationToken cancellationToken) =>
        SiloProcess.StartReadyAsync(options, SiloReadyTimeout, (started, replacing) =>
        {
            lock (_silos)
            {
                if (replacing is not null)
                {
                    _silos.Remove(replacing);
                }

                _silos.Add(started);
            }
        }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_clientHost is not null)
        {
            using var stopping = new CancellationTokenSource(StopTimeout);
            try
            {
                await _clientHost.StopAsync(stopping.Token);
            }
            catch (OperationCanceledException)
            {
                // The silos are killed next; a client that cannot say goodbye in time changes nothing.
            }

            _clientHost.Dispose();
        }

        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        if (_mux is not null)
        {
            await _mux.DisposeAsync();
        }

        await Redis.DisposeAsync();
    }

    /// <summary>A typed-client host for the cluster under <paramref name="clusterId"/> / <paramref name="serviceId"/> on
    /// <paramref name="redis"/> (every bench client is built this way).</summary>
    internal static IHost BuildClientHost(string redis, string clusterId, string serviceId)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [OverseerClientOptions.RedisKey] = redis,
            [OverseerClientOptions.ClusterIdKey] = clusterId,
            [OverseerClientOptions.ServiceIdKey] = serviceId,
            [OverseerClientOptions.ConnectTimeoutKey] = "30",
        });
        builder.AddOverseerClient();
        return builder.Build();
    }
}
