using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Overseer.Client;
using Overseer.Testing;
using StackExchange.Redis;

namespace Overseer.Tests.Cluster;

/// <summary>A private redis-server (or a Redis the test owns: a Sentinel deployment, a Redis Cluster) plus real silo
/// processes (fast failure detection unless asked otherwise), optionally the reference event source, and a client.</summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    private readonly List<SiloProcess> _silos = [];
    private readonly bool _fastDetection;
    private readonly string? _hostDll;
    private readonly List<IHost> _extraClients = [];
    private readonly RedisServer? _redis;
    private IHost? _clientHost;

    private ProcessCluster(RedisServer? redis, string redisConnectionString, ConnectionMultiplexer mux, bool fastDetection, string? hostDll)
    {
        _redis = redis;
        RedisConnectionString = redisConnectionString;
        Mux = mux;
        _fastDetection = fastDetection;
        _hostDll = hostDll;
    }

    /// <summary>The reference event source, when the cluster was started with one.</summary>
    private IReadOnlyDictionary<string, string> _environment = new Dictionary<string, string>();

    public ReferenceSourceProcess? Feed { get; private set; }

    /// <summary>The cluster's private redis-server.</summary>
    /// <exception cref="InvalidOperationException">The cluster runs on a Redis the test owns (see <see cref="StartAsync"/>).</exception>
    public RedisServer Redis => _redis ?? throw new InvalidOperationException(
        $"this cluster runs on a Redis the test owns ({RedisConnectionString}), not on a private redis-server");

    /// <summary>What the silos and the client connect to: the private server's or the test's connection string.</summary>
    public string RedisConnectionString { get; }

    public ConnectionMultiplexer Mux { get; }

    public string ClusterId { get; } = $"proc-{Guid.NewGuid():N}";

    public string ServiceId { get; } = $"svc-{Guid.NewGuid():N}";

    public IReadOnlyList<SiloProcess> Silos => _silos;

    /// <summary>The raw Orleans client behind the last <see cref="ConnectAsync"/> (for management calls).</summary>
    public IClusterClient ClusterClient => _clientHost?.Services.GetRequiredService<IClusterClient>()
        ?? throw new InvalidOperationException("call ConnectAsync first");

    /// <param name="silos">How many silo processes to start.</param>
    /// <param name="fastDetection">Fast failure detection (about 1 s for a killed silo) instead of Orleans' defaults.</param>
    /// <param name="feedRate">If set, also start the reference event source with this many events/s per feed.</param>
    /// <param name="environment">Extra environment variables for every silo (e.g. <c>Overseer__Pool__MaxRunningWorkers</c>).</param>
    /// <param name="hostDll">The host every silo runs (<see cref="SiloProcessOptions.HostDll"/>); null = the repository's silo.</param>
    /// <param name="redisConnectionString">A Redis the test owns and disposes (e.g. <see cref="RedisSentinel.ConnectionString"/>
    /// or <see cref="RedisCluster.ConnectionString"/>); null = a private redis-server the cluster starts and disposes.</param>
    public static async Task<ProcessCluster> StartAsync(
        int silos,
        bool fastDetection = true,
        int? feedRate = null,
        IReadOnlyDictionary<string, string>? environment = null,
        string? hostDll = null,
        string? redisConnectionString = null)
    {
        var redis = redisConnectionString is null ? await RedisServer.StartNewAsync() : null;
        var connectionString = redisConnectionString ?? redis!.ConnectionString;
        var mux = await ConnectionMultiplexer.ConnectAsync(connectionString);
        var cluster = new ProcessCluster(redis, connectionString, mux, fastDetection, hostDll) { _environment = environment ?? new Dictionary<string, string>() };
        if (feedRate is { } rate)
        {
            cluster.Feed = ReferenceSourceProcess.Start(rate: rate, heartbeatMs: 200);
            await cluster.Feed.WaitReadyAsync(TimeSpan.FromSeconds(60));
        }

        await Task.WhenAll(Enumerable.Range(0, silos).Select(i => cluster.StartSiloAsync($"silo-{i}")));
        return cluster;
    }

    /// <param name="name">A label for logs and failure messages.</param>
    /// <param name="reuse">Options of an earlier silo, to start it again on the same ports.</param>
    /// <param name="redisConnectionString">Where this silo reaches Redis instead of <see cref="Redis"/> itself, e.g. a
    /// <see cref="TcpProxy"/> in front of it that a test can cut.</param>
    public async Task<SiloProcess> StartSiloAsync(string name, SiloProcessOptions? reuse = null, string? redisConnectionString = null)
    {
        var environment = new Dictionary<string, string>(_fastDetection ? SiloProcessOptions.FastFailureDetection : new Dictionary<string, string>())
        {
            ["Overseer__Supervision__HeartbeatInterval"] = "500ms",
            ["Overseer__Supervision__StallTimeout"] = "3s",
            ["Overseer__Supervision__PartitionPingInterval"] = "2s",
            ["Overseer__Supervision__PokeTimeout"] = "3s",
        };
        foreach (var (key, value) in _environment)
        {
            environment[key] = value;
        }

        var options = reuse ?? new SiloProcessOptions
        {
            Name = name,
            HostDll = _hostDll,
            RedisConnectionString = redisConnectionString ?? RedisConnectionString,
            ClusterId = ClusterId,
            ServiceId = ServiceId,
            ExtraEnvironment = environment,
        };
        return await SiloProcess.StartReadyAsync(options, TimeSpan.FromSeconds(60), (started, replacing) =>
        {
            lock (_silos)
            {
                if (replacing is not null)
                {
                    _silos.Remove(replacing);
                }

                _silos.Add(started);
            }
        });
    }

    /// <summary>A fresh client (the previous one is disposed: after a full-cluster kill it has no gateway left).</summary>
    /// <param name="callTimeout">The client's retry budget per call (<see cref="OverseerClientOptions.CallTimeoutKey"/>);
    /// null = its default.</param>
    /// <param name="responseTimeout">How long one call waits for its answer before Orleans gives it up; null = 5 s (a call
    /// in flight to a silo that was just killed is retried that soon).</param>
    public async Task<OverseerClient> ConnectAsync(TimeSpan? callTimeout = null, TimeSpan? responseTimeout = null)
    {
        if (_clientHost is not null)
        {
            await _clientHost.StopAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
            _clientHost.Dispose();
        }

        _clientHost = await StartClientHostAsync(callTimeout, responseTimeout ?? TimeSpan.FromSeconds(5));
        return _clientHost.Services.GetRequiredService<OverseerClient>();
    }

    /// <summary>A second, raw Orleans client, beside <see cref="ConnectAsync"/>'s, whose only gateway is
    /// <paramref name="gateway"/> (so its calls reach that silo and no other, even while it is frozen) and whose calls live
    /// <paramref name="responseTimeout"/> before Orleans drops them as expired; disposed with the cluster.</summary>
    public async Task<IClusterClient> ConnectThroughAsync(SiloProcess gateway, TimeSpan responseTimeout)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, gateway.GatewayPort));
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterId;
                o.ServiceId = ServiceId;
            });
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = responseTimeout);
        });
        var host = builder.Build();
        await host.StartAsync();
        _extraClients.Add(host);
        return host.Services.GetRequiredService<IClusterClient>();
    }

    private async Task<IHost> StartClientHostAsync(TimeSpan? callTimeout, TimeSpan responseTimeout)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = RedisConnectionString,
            ["Orleans:ClusterId"] = ClusterId,
            ["Orleans:ServiceId"] = ServiceId,
            ["Overseer:Client:ConnectTimeout"] = "00:00:30",
            [OverseerClientOptions.CallTimeoutKey] = callTimeout?.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.AddOverseerClient();
        // A call in flight to a silo that was just killed waits this long before it is retried.
        builder.Services.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = responseTimeout);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>The committed checkpoint, read from Redis itself (no grain call, which would reactivate the worker).</summary>
    public async Task<long> CheckpointAsync(string workerId)
    {
        var cp = await Mux.GetDatabase().HashGetAsync($"overseer:{ServiceId}:w:{{{workerId}}}:cursor", "cp");
        return cp.IsNull ? 0 : (long)cp;
    }

    /// <summary>The sequence numbers in the worker's event stream, read from Redis itself.</summary>
    public async Task<List<long>> StreamSeqsAsync(string workerId)
    {
        var entries = await Mux.GetDatabase().StreamRangeAsync($"overseer:{ServiceId}:w:{{{workerId}}}:events");
        return [.. entries.Select(e => long.Parse(((string)e.Id!).Split('-')[0], System.Globalization.CultureInfo.InvariantCulture))];
    }

    public string LogTails() => string.Join(Environment.NewLine, _silos.Select(s => $"--- {s.Name} ({s.LogPath})\n{s.ReadLogTail(15)}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var extra in _extraClients)
        {
            await extra.StopAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
            extra.Dispose();
        }

        if (_clientHost is not null)
        {
            await _clientHost.StopAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
            _clientHost.Dispose();
        }

        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        await Mux.DisposeAsync();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
        if (Feed is not null)
        {
            await Feed.DisposeAsync();
        }
    }
}
