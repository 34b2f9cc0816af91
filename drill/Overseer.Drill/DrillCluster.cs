using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Overseer.Client;
using Overseer.Redis;
using Overseer.Testing;
using StackExchange.Redis;

namespace Overseer.Drill;

/// <summary>The real local cluster a drill drives: Redis with its append-only file, PostgreSQL, silo processes running
/// the drill's host (joining, killed, terminated, frozen by name), the reference feed and anvil; and the fault
/// primitives on them.</summary>
internal sealed class DrillCluster : IAsyncDisposable
{
    private readonly Dictionary<string, SiloProcess> _silos = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, string> _siloEnvironment;
    private IHost? _clientHost;

    private DrillCluster(
        RedisServer redis, ConnectionMultiplexer mux, ReferenceSourceProcess feed, AnvilNode anvil, PostgresServer postgres, string postgresDatabase, int poolCap)
    {
        Redis = redis;
        Postgres = postgres;
        PostgresConnectionString = postgresDatabase;
        Mux = mux;
        Feed = feed;
        Anvil = anvil;
        Keys = new RedisKeys(ServiceId);
        _siloEnvironment = new Dictionary<string, string>(SiloProcessOptions.FastFailureDetection)
        {
            ["Overseer__Supervision__HeartbeatInterval"] = "1s",
            ["Overseer__Supervision__StallTimeout"] = "4s",
            ["Overseer__Supervision__PartitionPingInterval"] = "2s",
            ["Overseer__Supervision__PokeTimeout"] = "3s",
            ["Overseer__Pool__MaxRunningWorkers"] = poolCap.ToString(CultureInfo.InvariantCulture),
            ["Overseer__Pool__SlotLease"] = DrillSchedule.SlotLease.ToString("c", CultureInfo.InvariantCulture),
            ["ConnectionStrings__postgres"] = postgresDatabase,
            // UTC times on every log entry, so that the checker can set a slot loss beside the faults of the moment.
            ["Logging__Console__TimestampFormat"] = SiloLogScan.TimestampFormat,
            ["Logging__Console__UseUtcTimestamp"] = "true",
        };
    }

    public RedisServer Redis { get; }

    public ConnectionMultiplexer Mux { get; }

    public ReferenceSourceProcess Feed { get; }

    public AnvilNode Anvil { get; }

    public RedisKeys Keys { get; }

    public PostgresServer Postgres { get; }

    /// <summary>The drill's database on <see cref="Postgres"/>: Overseer's cursor table and the handler's rows.</summary>
    public string PostgresConnectionString { get; }

    public string ClusterId { get; } = $"drill-{Guid.NewGuid():N}";

    public string ServiceId { get; } = $"drill-{Guid.NewGuid():N}";

    /// <summary>The typed client the drill's operator actions and checks use.</summary>
    public OverseerClient Client => _clientHost?.Services.GetRequiredService<OverseerClient>()
        ?? throw new InvalidOperationException("the client is not connected");

    /// <summary>The environment the CLI needs to reach this cluster.</summary>
    public IReadOnlyDictionary<string, string> CliEnvironment => new Dictionary<string, string>
    {
        ["ConnectionStrings__redis"] = Redis.ConnectionString,
        ["Orleans__ClusterId"] = ClusterId,
        ["Orleans__ServiceId"] = ServiceId,
    };

    public IEnumerable<SiloProcess> Silos
    {
        get
        {
            lock (_silos)
            {
                return [.. _silos.Values];
            }
        }
    }

    public static async Task<DrillCluster> StartAsync(int silos, int feedRate, int poolCap, CancellationToken cancellationToken)
    {
        // DEBUG SLEEP needs the debug command; the fixture runs Redis with appendonly yes (fsync every second).
        var redis = await RedisServer.StartNewAsync(["--enable-debug-command", "local"], cancellationToken);
        var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var feed = ReferenceSourceProcess.Start(rate: feedRate, heartbeatMs: 200);
        await feed.WaitReadyAsync(TimeSpan.FromSeconds(60), cancellationToken);
        var anvil = await AnvilNode.StartNewAsync(blockTimeSeconds: 1, cancellationToken);
        var postgres = await PostgresServer.StartNewAsync(cancellationToken: cancellationToken);
        var database = await postgres.CreateDatabaseAsync("drill", cancellationToken);
        var cluster = new DrillCluster(redis, mux, feed, anvil, postgres, database, poolCap);
        await Task.WhenAll(Enumerable.Range(0, silos).Select(i => cluster.JoinAsync(string.Create(CultureInfo.InvariantCulture, $"silo-{i}"), cancellationToken)));
        await cluster.ConnectAsync(cancellationToken);
        return cluster;
    }

    /// <summary>Starts a silo process named <paramref name="name"/> and waits until it is ready.</summary>
    public async Task JoinAsync(string name, CancellationToken cancellationToken)
    {
        var options = new SiloProcessOptions
        {
            Name = name,
            RedisConnectionString = Redis.ConnectionString,
            ClusterId = ClusterId,
            ServiceId = ServiceId,
            HostDll = RepoPaths.DrillHostDll,
            ExtraEnvironment = _siloEnvironment,
        };
        await SiloProcess.StartReadyAsync(options, TimeSpan.FromSeconds(90), (silo, _) =>
        {
            lock (_silos)
            {
                _silos[name] = silo;
            }
        }, cancellationToken);
    }

    public SiloProcess Silo(string name)
    {
        lock (_silos)
        {
            return _silos.TryGetValue(name, out var silo) ? silo : throw new InvalidOperationException($"no silo named {name} was started");
        }
    }

    /// <summary>Redis stopped with SIGTERM (it flushes its append-only file) and started again on its port and data.</summary>
    public Task RestartRedisAsync(TimeSpan down, CancellationToken cancellationToken) =>
        OutageAsync(Redis.StopAsync, Redis.StartAsync, down, cancellationToken);

    /// <summary>PostgreSQL killed with SIGKILL (a crash: transactions in flight are lost, committed ones are in its
    /// write-ahead log), down for <paramref name="down"/>, and started again (it recovers from the log).</summary>
    public Task CrashPostgresAsync(TimeSpan down, CancellationToken cancellationToken) =>
        OutageAsync(Postgres.KillAsync, Postgres.StartAsync, down, cancellationToken);

    /// <summary>A store taken down, left down for <paramref name="down"/>, and started again whatever happens meanwhile.</summary>
    private static async Task OutageAsync(Func<Task> takeDown, Func<CancellationToken, Task> start, TimeSpan down, CancellationToken cancellationToken)
    {
        await takeDown();
        try
        {
            await Task.Delay(down, cancellationToken);
        }
        finally
        {
            await start(CancellationToken.None);
        }
    }

    /// <summary><c>CLIENT PAUSE ms WRITE</c>: writes block until it ends; reads answer.</summary>
    public Task PauseRedisWritesAsync(int milliseconds) =>
        Mux.GetServers()[0].ExecuteAsync("CLIENT", "PAUSE", milliseconds.ToString(CultureInfo.InvariantCulture), "WRITE");

    /// <summary><c>DEBUG SLEEP</c>: Redis answers nothing for a while (a stalled store, not a down one).</summary>
    public async Task SleepRedisAsync(int milliseconds)
    {
        // The command itself blocks for the whole sleep; its answer comes when Redis wakes up.
        await Mux.GetServers()[0].ExecuteAsync("DEBUG", "SLEEP", (milliseconds / 1000.0).ToString("0.###", CultureInfo.InvariantCulture));
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = Redis.ConnectionString,
            ["Orleans:ClusterId"] = ClusterId,
            ["Orleans:ServiceId"] = ServiceId,
            ["Overseer:Client:ConnectTimeout"] = "00:00:30",
            ["Overseer:Client:Actor"] = "drill",
        });
        builder.Logging.SetMinimumLevel(LogLevel.None);
        builder.AddOverseerClient();
        // A call in flight to a silo that was just killed or frozen is retried on another after this long.
        builder.Services.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
        _clientHost = builder.Build();
        await _clientHost.StartAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_clientHost is not null)
        {
            await _clientHost.StopAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
            _clientHost.Dispose();
        }

        foreach (var silo in Silos)
        {
            if (!silo.HasExited)
            {
                silo.Resume();
            }

            await silo.DisposeAsync();
        }

        await Feed.DisposeAsync();
        await Anvil.DisposeAsync();
        await Postgres.DisposeAsync();
        Mux.Dispose();
        await Redis.DisposeAsync();
    }
}
