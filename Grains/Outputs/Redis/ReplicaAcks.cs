using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Overseer.Diagnostics;
using Overseer.Hosting;
using Overseer.Redis;
using StackExchange.Redis;

namespace Overseer.Outputs.Redis;

/// <summary>The one rule for when a write of the Redis stream output counts (<see cref="RedisDurabilityOptions"/>): at
/// once (the default), or once <see cref="RedisDurabilityOptions.MinReplicaAcks"/> replicas of the key's primary
/// acknowledge it (Redis <c>WAIT</c> after the write). A shortfall is a <see cref="ReplicaAcksMissingException"/>: the
/// write is not reported, and <see cref="StoreRetry"/> retries it as an outage (the scripts are idempotent on retry).</summary>
/// <remarks>
/// <c>WAIT</c> counts the writes of the connection it is sent on, and blocks that connection until it returns, so
/// waiting writes go through a connection of their own (same configuration as the silo's, connected on first use): state,
/// membership and the pool never queue behind a <c>WAIT</c>. It is sent to the primary that served the key's slot when
/// the write began; if the slot's primary changed while the write ran, that node can no longer answer <c>WAIT</c>
/// (it became a replica), or no primary is known for the slot at all (a failover under way), the write does not count
/// and is retried against the new primary.
/// </remarks>
internal sealed partial class ReplicaAcks : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private readonly IConnectionMultiplexer _shared;
    private readonly RedisDurabilityOptions _options;
    private readonly OverseerInstruments _instruments;
    private readonly ILogger<ReplicaAcks> _logger;
    private readonly Lazy<Task<ConnectionMultiplexer>> _own;
    private readonly ConcurrentDictionary<EndPoint, ReplicaWait> _waits = new();

    public ReplicaAcks(IConnectionMultiplexer redis, IOptions<RedisDurabilityOptions> options, OverseerInstruments instruments, ILogger<ReplicaAcks> logger)
    {
        _shared = redis;
        _options = options.Value;
        _instruments = instruments;
        _logger = logger;
        _own = new(() => ConnectAsync(redis));
    }

    /// <summary>At silo start: says which durability the silo runs with, and connects the commits' own connection, so
    /// that the first commit does not pay for it.</summary>
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ReplicaAcks), ServiceLifecycleStage.ApplicationServices, OnStartAsync);

    /// <summary>Runs <paramref name="write"/> (one script on keys in <paramref name="key"/>'s slot) and returns its answer
    /// once it counts.</summary>
    /// <exception cref="ReplicaAcksMissingException">Too few replicas acknowledged in time; the write stays on the primary
    /// but does not count.</exception>
    public Task<T> WriteAsync<T>(string workerId, RedisKey key, Func<IDatabase, Task<T>> write) =>
        _options.WaitsForReplicas ? WriteAcknowledgedAsync(workerId, key, write) : write(_shared.GetDatabase());

    private async Task<T> WriteAcknowledgedAsync<T>(string workerId, RedisKey key, Func<IDatabase, Task<T>> write)
    {
        var mux = await _own.Value.ConfigureAwait(false);
        if (PrimaryOf(mux, key) is not { } primary)
        {
            // Nothing written: no node could be asked to WAIT for it.
            throw Shortfall(workerId, "(no primary)", NoPrimary);
        }

        var answer = await write(mux.GetDatabase()).ConfigureAwait(false);
        await AcknowledgeAsync(workerId, mux, key, primary).ConfigureAwait(false);
        return answer;
    }

    private async Task OnStartAsync(CancellationToken cancellationToken)
    {
        if (!_options.WaitsForReplicas)
        {
            Log.PrimaryOnly(_logger);
            return;
        }

        Log.WaitingForReplicas(_logger, _options.MinReplicaAcks, _options.ReplicaAckTimeout);
        await _own.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_own.IsValueCreated)
        {
            await (await _own.Value.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task AcknowledgeAsync(string workerId, ConnectionMultiplexer mux, RedisKey key, IServer primary)
    {
        var started = Stopwatch.GetTimestamp();
        long acknowledged = 0;
        string? why = null;
        if (PrimaryOf(mux, key) is not { } now)
        {
            why = NoPrimary;
        }
        else if (!Equals(now.EndPoint, primary.EndPoint))
        {
            why = "the key's slot moved to another primary while the write ran";
        }
        else
        {
            try
            {
                acknowledged = await _waits.GetOrAdd(primary.EndPoint, _ => new ReplicaWait(primary, _options.MinReplicaAcks, _options.ReplicaAckTimeout))
                    .AcknowledgedAsync().ConfigureAwait(false);
            }
            catch (RedisServerException e)
            {
                // E.g. "WAIT cannot be used with replica instances": the node was demoted by a failover.
                why = RedisFaults.Describe(e);
            }
        }

        if (why is null && acknowledged >= _options.MinReplicaAcks)
        {
            _instruments.ReplicasAcknowledged(Stopwatch.GetElapsedTime(started));
            return;
        }

        why ??= $"{acknowledged} of {_options.MinReplicaAcks} replicas acknowledged within {_options.ReplicaAckTimeout}";
        var endpoint = primary.EndPoint switch
        {
            DnsEndPoint d => $"{d.Host}:{d.Port}",
            var e => e.ToString() ?? "?",
        };
        throw Shortfall(workerId, endpoint, why);
    }

    /// <summary>Why a write cannot count while the connection knows no primary for its slot.</summary>
    private const string NoPrimary = "no primary is known for the key's slot (a failover under way)";

    /// <summary>The primary that serves <paramref name="key"/>'s slot now; null while the connection knows none — in a
    /// failover, until the sentinels name the new primary or the cluster's slot map has one — which is an outage like
    /// any other (the write does not count and is retried), not a fault of the run.</summary>
    private static IServer? PrimaryOf(ConnectionMultiplexer mux, RedisKey key)
    {
        try
        {
            return mux.GetServer(key, flags: CommandFlags.DemandMaster);
        }
        catch (InvalidOperationException e) when (e is not ObjectDisposedException)
        {
            // "It was not possible to resolve a connection to the server owning the specified key".
            return null;
        }
    }

    /// <summary>A write that does not count: counted, logged, and thrown for <see cref="StoreRetry"/> to retry as an outage.</summary>
    private ReplicaAcksMissingException Shortfall(string workerId, string primary, string why)
    {
        _instruments.ReplicaAcksMissing();
        Log.ReplicaAcksMissing(_logger, workerId, primary, why);
        return new ReplicaAcksMissingException(
            $"a write of worker '{workerId}' on {primary} does not count yet: {why} (Overseer:Redis:MinReplicaAcks is {_options.MinReplicaAcks})");
    }

    private static async Task<ConnectionMultiplexer> ConnectAsync(IConnectionMultiplexer shared)
    {
        // Configuration is the silo's whole connection string (endpoints, password, TLS, Sentinel service name).
        var options = ConfigurationOptions.Parse(shared.Configuration);
        options.AbortOnConnectFail = false;
        options.ClientName = (string.IsNullOrEmpty(options.ClientName) ? "overseer" : options.ClientName) + "-commits";
        return await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
    }
}
