using System.Globalization;

namespace Overseer.Testing;

/// <summary>
/// A real Redis Sentinel deployment of private processes: a primary and 2 replicas (each a <see cref="RedisServer"/>, the
/// replicas started with <c>--replicaof</c>), watched by 3 sentinels (<see cref="RedisSentinelNode"/>, quorum 2,
/// <c>down-after-milliseconds</c> 3000, <c>failover-timeout</c> 2000), all on free loopback ports in temp directories.
/// <see cref="StartNewAsync"/> returns once every replica has finished its first sync (<c>master_link_status:up</c>) and
/// every sentinel names the primary, sees both replicas and knows the two other sentinels, so that a primary killed from
/// then on is failed over (it takes a majority of sentinels that know each other to elect the one that promotes).
/// </summary>
/// <remarks>Clients connect through the sentinels with <see cref="ConnectionString"/>; StackExchange.Redis asks them for
/// the current primary and follows a failover. A killed node stays down unless the test starts it again through
/// <see cref="Servers"/>; the sentinels then make it a replica of the new primary.</remarks>
public sealed class RedisSentinel : IAsyncDisposable
{
    /// <summary>The name the sentinels monitor the primary by (<c>serviceName=</c> in the connection string).</summary>
    public const string ServiceName = "overseer";

    public const int ReplicaCount = 2;

    public const int SentinelCount = 3;

    private const int Quorum = 2;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    private readonly List<RedisServer> servers = [];
    private readonly List<RedisSentinelNode> sentinels = [];
    private readonly string[] serverArguments;

    private RedisSentinel(IEnumerable<string>? serverArguments, string? password)
    {
        this.serverArguments = serverArguments?.ToArray() ?? [];
        Password = password;
    }

    /// <summary>The password every data node and every sentinel requires (and the replicas and sentinels use among
    /// themselves), or null for none.</summary>
    public string? Password { get; }

    /// <summary>The data nodes: the first primary, then its two replicas (a failover changes which is primary since).</summary>
    public IReadOnlyList<RedisServer> Servers => servers;

    /// <summary>The sentinels' ports.</summary>
    public IReadOnlyList<int> SentinelPorts => [.. sentinels.Select(s => s.Port)];

    /// <summary>A StackExchange.Redis connection string through the sentinels, e.g.
    /// <c>127.0.0.1:41001,127.0.0.1:41002,127.0.0.1:41003,serviceName=overseer,abortConnect=false</c>.</summary>
    public string ConnectionString =>
        string.Join(',', sentinels.Select(s => $"127.0.0.1:{s.Port.ToString(CultureInfo.InvariantCulture)}"))
        + $",serviceName={ServiceName},abortConnect=false" + (Password is null ? "" : $",password={Password}");

    /// <summary>Starts the primary, its replicas and the sentinels, and waits until the deployment is ready.</summary>
    /// <param name="serverArguments">More redis-server arguments for every data node (e.g. <c>["--appendfsync", "always"]</c>).</param>
    /// <param name="password">When set, every data node and every sentinel requires it (<c>requirepass</c>), the
    /// replicas authenticate to their primary with it (<c>masterauth</c>), the sentinels to the data nodes
    /// (<c>sentinel auth-pass</c>), and <see cref="ConnectionString"/> carries it.</param>
    /// <param name="cancellationToken">Stops waiting early.</param>
    /// <exception cref="InvalidOperationException">redis-server or redis-cli is missing, or a process did not start; the
    /// message says why.</exception>
    /// <exception cref="TimeoutException">Not ready within 30 s; the message holds each sentinel's and replica's view.</exception>
    public static async Task<RedisSentinel> StartNewAsync(IEnumerable<string>? serverArguments = null, string? password = null, CancellationToken cancellationToken = default)
    {
        var deployment = new RedisSentinel(serverArguments, password);
        try
        {
            await deployment.StartAsync(cancellationToken).ConfigureAwait(false);
            return deployment;
        }
        catch
        {
            await deployment.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The primary as the sentinels name it (<c>SENTINEL get-master-addr-by-name</c>), when every running sentinel
    /// names the same one.</summary>
    /// <exception cref="InvalidOperationException">The sentinels disagree, or name a node that is not one of
    /// <see cref="Servers"/>; the message holds what each said.</exception>
    public async Task<RedisServer> PrimaryAsync(CancellationToken cancellationToken = default)
    {
        var named = await NamedPrimariesAsync(cancellationToken).ConfigureAwait(false);
        var ports = named.Select(n => n.PrimaryPort).Distinct().ToArray();
        return ports.Length == 1 && servers.SingleOrDefault(s => s.Port == ports[0]) is { } primary
            ? primary
            : throw new InvalidOperationException($"the sentinels do not agree on one primary of {ServiceName}: {Describe(named)}");
    }

    /// <summary>Kills the current primary (as the sentinels name it) with SIGKILL and returns it.</summary>
    public async Task<RedisServer> KillPrimaryAsync(CancellationToken cancellationToken = default)
    {
        var primary = await PrimaryAsync(cancellationToken).ConfigureAwait(false);
        await primary.KillAsync().ConfigureAwait(false);
        return primary;
    }

    /// <summary>Waits until every running sentinel names a primary other than <paramref name="formerPrimary"/>, the same
    /// one, and that node answers <c>ROLE</c> as a master: the sentinels promoted a replica. Returns the new primary.</summary>
    /// <exception cref="TimeoutException">Not within <paramref name="timeout"/>; the message holds what each sentinel
    /// said and the first sentinel's log.</exception>
    public async Task<RedisServer> AwaitPromotionAsync(RedisServer formerPrimary, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(formerPrimary);
        var promoted = await Eventually.UntilAsync(
            async () =>
            {
                var named = await NamedPrimariesAsync(cancellationToken).ConfigureAwait(false);
                var ports = named.Select(n => n.PrimaryPort).Distinct().ToArray();
                var candidate = ports.Length == 1 && ports[0] != formerPrimary.Port ? servers.SingleOrDefault(s => s.Port == ports[0]) : null;
                var role = candidate is null ? null : await RoleAsync(candidate, cancellationToken).ConfigureAwait(false);
                return (Named: named, Promoted: role == "master" ? candidate : null, Role: role);
            },
            v => v.Promoted is not null,
            timeout,
            v => $"the sentinels to promote a replica of {formerPrimary.Port}: every running sentinel to name the same new primary and it to "
                + $"answer ROLE master; they said {Describe(v.Named)}, role {v.Role ?? "(not asked)"}. First sentinel's log:"
                + $"{Environment.NewLine}{sentinels.First(s => s.IsRunning).ReadLogTail(25)}",
            cancellationToken).ConfigureAwait(false);
        return promoted.Promoted!;
    }

    /// <summary>The first line of <c>ROLE</c> from <paramref name="server"/>: <c>master</c> or <c>slave</c>.</summary>
    public static async Task<string> RoleAsync(RedisServer server, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        var reply = await RedisCli.RunAsync([.. RedisCli.Auth(server.Password), "-p", server.Port.ToString(CultureInfo.InvariantCulture), "role"], cancellationToken).ConfigureAwait(false);
        return reply.Split('\n', StringSplitOptions.TrimEntries)[0];
    }

    /// <summary>What the sentinels decided, from their logs in time order per sentinel: elections, promotions, aborted and
    /// ended failovers, primary switches (<c>+switch-master</c>) and replicas reconfigured. For a test's output, so that an
    /// unusual failover (a retried election, two promotions) shows in a failure's report.</summary>
    public string FailoverEvents()
    {
        string[] kinds = ["+new-epoch", "+try-failover", "+elected-leader", "+selected-slave", "+promoted-slave", "-failover-abort", "+failover-end", "+switch-master", "+slave-reconf-done", "+convert-to-slave"];
        return string.Join(Environment.NewLine, sentinels.Select(s => $"sentinel {s.Port}:{Environment.NewLine}" + string.Join(
            Environment.NewLine,
            (File.Exists(s.LogPath) ? File.ReadLines(s.LogPath) : []).Where(line => kinds.Any(k => line.Contains(k, StringComparison.Ordinal))).Select(line => "  " + line))));
    }

    /// <summary>Kills every process and deletes their directories.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(sentinels.Select(s => s.DisposeAsync().AsTask())).ConfigureAwait(false);
        await Task.WhenAll(servers.Select(s => s.DisposeAsync().AsTask())).ConfigureAwait(false);
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        // Any node may become the primary, so each one starts a replica's first sync at once (no diskless-sync delay).
        string[] common = ["--repl-diskless-sync-delay", "0", .. (Password is null ? [] : new[] { "--masterauth", Password }), .. serverArguments];
        var primary = new RedisServer(Password, common);
        servers.Add(primary);
        await primary.StartAsync(cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < ReplicaCount; i++)
        {
            servers.Add(new RedisServer(Password, [.. common, "--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture)]));
        }

        await Task.WhenAll(servers.Skip(1).Select(s => s.StartAsync(cancellationToken))).ConfigureAwait(false);

        // The sentinels start once the replicas are attached: a sentinel learns of replicas from the primary's INFO
        // (at once on connect, then only every 10 s) and of the other sentinels from their hello messages (every 2 s).
        await Eventually.UntilAsync(
            () => Task.WhenAll(servers.Skip(1).Select(async s => (s.Port, Synced: await SyncedAsync(s, cancellationToken).ConfigureAwait(false)))),
            all => all.All(r => r.Synced),
            ReadyTimeout,
            all => $"every replica of {primary.Port} to finish its first sync (master_link_status:up); not yet: "
                + string.Join(", ", all.Where(r => !r.Synced).Select(r => r.Port)),
            cancellationToken).ConfigureAwait(false);

        for (var i = 0; i < SentinelCount; i++)
        {
            sentinels.Add(new RedisSentinelNode(Password));
        }

        await Task.WhenAll(sentinels.Select(s => s.StartAsync(ServiceName, primary.Port, Quorum, cancellationToken))).ConfigureAwait(false);
        await Eventually.UntilAsync(
            () => Task.WhenAll(sentinels.Select(s => ViewAsync(s, cancellationToken))),
            all => all.All(v => v.PrimaryPort == primary.Port && v.Ready),
            ReadyTimeout,
            all => $"every sentinel to name primary {primary.Port} as '{ServiceName}', see {ReplicaCount} healthy replicas and "
                + $"{SentinelCount - 1} other sentinels; seen: {string.Join("; ", all.Select(v => v.Describe()))}",
            cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> SyncedAsync(RedisServer replica, CancellationToken cancellationToken)
    {
        var info = await RedisCli.RunAsync([.. RedisCli.Auth(replica.Password), "-p", replica.Port.ToString(CultureInfo.InvariantCulture), "info", "replication"], cancellationToken).ConfigureAwait(false);
        return info.Contains("master_link_status:up", StringComparison.Ordinal);
    }

    /// <summary>What one sentinel says of the monitored primary: its address, flags, replicas and the other sentinels.</summary>
    private static async Task<SentinelView> ViewAsync(RedisSentinelNode sentinel, CancellationToken cancellationToken)
    {
        var primaryPort = await NamedPrimaryAsync(sentinel, cancellationToken).ConfigureAwait(false);
        var master = Pairs(await sentinel.CliAsync(["sentinel", "master", ServiceName], cancellationToken).ConfigureAwait(false));
        var replicas = Records(await sentinel.CliAsync(["sentinel", "replicas", ServiceName], cancellationToken).ConfigureAwait(false));
        var healthyReplicas = replicas.Count(r => r.GetValueOrDefault("flags") == "slave" && r.GetValueOrDefault("master-link-status") == "ok");
        return new SentinelView(
            sentinel.Port,
            primaryPort,
            master.GetValueOrDefault("flags") ?? "?",
            healthyReplicas,
            int.Parse(master.GetValueOrDefault("num-other-sentinels") ?? "0", CultureInfo.InvariantCulture));
    }

    private async Task<(int SentinelPort, int PrimaryPort)[]> NamedPrimariesAsync(CancellationToken cancellationToken) =>
        await Task.WhenAll(sentinels.Where(s => s.IsRunning).Select(async s => (s.Port, await NamedPrimaryAsync(s, cancellationToken).ConfigureAwait(false))))
            .ConfigureAwait(false);

    /// <summary>The port of the primary <paramref name="sentinel"/> names (<c>SENTINEL get-master-addr-by-name</c>).</summary>
    private static async Task<int> NamedPrimaryAsync(RedisSentinelNode sentinel, CancellationToken cancellationToken)
    {
        var reply = await sentinel.CliAsync(["sentinel", "get-master-addr-by-name", ServiceName], cancellationToken).ConfigureAwait(false);
        var lines = reply.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == 2 && int.TryParse(lines[1], CultureInfo.InvariantCulture, out var port)
            ? port
            : throw new InvalidOperationException($"sentinel {sentinel.Port} answered get-master-addr-by-name {ServiceName} with '{reply.Trim()}'");
    }

    private static string Describe((int SentinelPort, int PrimaryPort)[] named) =>
        string.Join(", ", named.Select(n => $"sentinel {n.SentinelPort}: primary {n.PrimaryPort}"));

    /// <summary>redis-cli's raw output of a flat reply (<c>key</c>, <c>value</c>, … one per line) as a dictionary.</summary>
    private static Dictionary<string, string> Pairs(string reply) =>
        Records(reply).FirstOrDefault() ?? [];

    /// <summary>redis-cli's raw output of a list of flat replies (each starting with its <c>name</c> field), one
    /// dictionary per reply.</summary>
    private static List<Dictionary<string, string>> Records(string reply)
    {
        var lines = reply.Split('\n', StringSplitOptions.TrimEntries);
        var records = new List<Dictionary<string, string>>();
        for (var i = 0; i + 1 < lines.Length; i += 2)
        {
            if (lines[i] == "name" || records.Count == 0)
            {
                records.Add([]);
            }

            records[^1][lines[i]] = lines[i + 1];
        }

        return records;
    }

    private sealed record SentinelView(int Port, int PrimaryPort, string Flags, int HealthyReplicas, int OtherSentinels)
    {
        public bool Ready => Flags == "master" && HealthyReplicas == ReplicaCount && OtherSentinels == SentinelCount - 1;

        public string Describe() =>
            $"sentinel {Port}: primary {PrimaryPort} ({Flags}), {HealthyReplicas} healthy replicas, {OtherSentinels} other sentinels";
    }
}
