using System.Globalization;

namespace Overseer.Testing;

/// <summary>
/// A real Redis Cluster of private processes: 3 primaries and 3 replicas (or, when asked, no replicas), each a
/// <see cref="RedisServer"/> started with <c>--cluster-enabled yes</c> on free loopback ports in its own temp directory,
/// joined by <c>redis-cli --cluster create … --cluster-replicas 1</c>. <see cref="StartNewAsync"/> returns once every node reports
/// <c>cluster_state:ok</c> and sees the whole layout (all 16384 slots served, every replica attached), and every replica
/// has finished its first sync (<c>master_link_status:up</c>), so that a primary killed from then on can fail over.
/// </summary>
/// <remarks>
/// Each node's cluster bus gets its own free port (<c>--cluster-port</c>) instead of the default port + 10000, which can
/// fall outside the port range for an ephemeral client port. A node can be killed and started again through
/// <see cref="Nodes"/> (a <see cref="RedisServer"/> keeps its port and directory, so it rejoins with its nodes.conf).
/// </remarks>
public sealed class RedisCluster : IAsyncDisposable
{
    public const int PrimaryCount = 3;
    public const int ReplicaCount = 3;

    private static readonly string[] ReconnectNoise = ["Connecting to MASTER", "REPLICA sync started", "Error condition on socket for SYNC"];
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    private readonly List<RedisServer> nodes = [];
    private readonly int replicasPerPrimary;
    private readonly string[] nodeArguments;
    private int[] primaryPorts = [];

    private RedisCluster(int replicasPerPrimary, IEnumerable<string>? nodeArguments, string? password)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicasPerPrimary);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicasPerPrimary, 1);
        this.replicasPerPrimary = replicasPerPrimary;
        this.nodeArguments = nodeArguments?.ToArray() ?? [];
        Password = password;
    }

    /// <summary>The password every node requires (and the replicas give their primary), or null for none.</summary>
    public string? Password { get; }

    /// <summary>How many replicas the cluster has: <see cref="ReplicaCount"/>, or 0 when started without replicas.</summary>
    public int Replicas => replicasPerPrimary * PrimaryCount;

    /// <summary>All nodes (six, or three without replicas), in the order they were created (redis-cli makes the first
    /// three the primaries).</summary>
    public IReadOnlyList<RedisServer> Nodes => nodes;

    /// <summary>The nodes that served slots when the cluster became ready (a failover can change this since).</summary>
    public IReadOnlyList<RedisServer> Primaries => [.. nodes.Where(n => primaryPorts.Contains(n.Port))];

    /// <summary>A StackExchange.Redis connection string listing the primaries, e.g.
    /// <c>127.0.0.1:41001,127.0.0.1:41002,127.0.0.1:41003,abortConnect=false</c>: the client finds the replicas and the
    /// slot map from any of them.</summary>
    public string ConnectionString =>
        string.Join(',', primaryPorts.Select(p => $"127.0.0.1:{p.ToString(CultureInfo.InvariantCulture)}")) + ",abortConnect=false"
        + (Password is null ? "" : $",password={Password}");

    /// <summary>Starts the nodes, creates the cluster and waits until it is ready.</summary>
    /// <param name="replicasPerPrimary">1 (the default: 3 primaries, 3 replicas) or 0 (3 primaries only, e.g. for a
    /// benchmark of sharding alone).</param>
    /// <param name="nodeArguments">More redis-server arguments for every node, e.g. <c>["--appendfsync", "always"]</c>.</param>
    /// <param name="password">When set, every node requires it (<c>requirepass</c>), replicas give it to their primary
    /// (<c>masterauth</c>), and <see cref="ConnectionString"/> carries it.</param>
    /// <param name="cancellationToken">Stops the start.</param>
    /// <exception cref="InvalidOperationException">redis-server or redis-cli is missing, a node did not start, or the
    /// create failed; the message says why.</exception>
    /// <exception cref="TimeoutException">The cluster was not ready within 30 s; the message holds each node's view.</exception>
    public static async Task<RedisCluster> StartNewAsync(
        int replicasPerPrimary = 1, IEnumerable<string>? nodeArguments = null, string? password = null, CancellationToken cancellationToken = default)
    {
        var cluster = new RedisCluster(replicasPerPrimary, nodeArguments, password);
        try
        {
            await cluster.StartAsync(cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Kills every node and deletes their directories.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask())).ConfigureAwait(false);
    }

    /// <summary>The node that replicates <paramref name="primary"/>, as <paramref name="primary"/> itself says
    /// (CLUSTER NODES: the replica row whose master id is the primary's own).</summary>
    /// <exception cref="InvalidOperationException">The node is not a primary or has no replica; the message holds its view.</exception>
    public async Task<RedisServer> ReplicaOfAsync(RedisServer primary, CancellationToken cancellationToken = default)
    {
        var rows = await NodeRowsAsync(primary.Port, cancellationToken).ConfigureAwait(false);
        var self = rows.Single(r => r[2].Contains("myself", StringComparison.Ordinal));
        var replicaPort = rows.Where(r => r[2].Contains("slave", StringComparison.Ordinal) && r[3] == self[0]).Select(PortOf).FirstOrDefault();
        return nodes.SingleOrDefault(n => n.Port == replicaPort) ?? throw new InvalidOperationException(
            $"node {primary.Port} has no replica; it sees: {string.Join(" | ", rows.Select(r => string.Join(' ', r.Take(4))))}");
    }

    /// <summary>Waits, without any manual failover, until <paramref name="replica"/> calls itself a master that serves
    /// slots and every running node reports <c>cluster_state:ok</c> again: the cluster promoted it after its primary died.</summary>
    /// <exception cref="TimeoutException">Not within <paramref name="timeout"/>; the message holds each running node's view.</exception>
    public Task AwaitPromotionAsync(RedisServer replica, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Eventually.UntilAsync(
            async () =>
            {
                var rows = await NodeRowsAsync(replica.Port, cancellationToken).ConfigureAwait(false);
                var self = rows.Single(r => r[2].Contains("myself", StringComparison.Ordinal));
                var states = await Task.WhenAll(nodes.Where(n => n.IsRunning).Select(async n =>
                    (n.Port, State: State(await RunCliAsync(["-p", n.Port.ToString(CultureInfo.InvariantCulture), "cluster", "info"], cancellationToken).ConfigureAwait(false)))))
                    .ConfigureAwait(false);
                return (Promoted: self[2].Contains("master", StringComparison.Ordinal) && self.Length > 8, States: states);
            },
            v => v.Promoted && v.States.All(s => s.State == "ok"),
            timeout,
            v => $"replica {replica.Port} to be promoted (a master serving slots) and every running node to say cluster_state:ok; "
                + $"promoted: {v.Promoted}, states: {string.Join(", ", v.States.Select(s => $"{s.Port} {s.State}"))}. The replica's log, without its retries to reach the dead primary:"
                + $"{Environment.NewLine}{string.Join(Environment.NewLine, replica.ReadLogTail(400).Split('\n').Where(l => !ReconnectNoise.Any(l.Contains)).TakeLast(40))}",
            cancellationToken);

    /// <summary>The slots <paramref name="primary"/> serves, lowest first, as it says itself (CLUSTER NODES).</summary>
    public async Task<IReadOnlyList<int>> SlotsOfAsync(RedisServer primary, CancellationToken cancellationToken = default)
    {
        var rows = await NodeRowsAsync(primary.Port, cancellationToken).ConfigureAwait(false);
        var self = rows.Single(r => r[2].Contains("myself", StringComparison.Ordinal));
        return [.. self.Skip(8).Where(r => !r.StartsWith('[')).SelectMany(SlotsIn).Order()];
    }

    /// <summary>Moves <paramref name="slots"/> slots from <paramref name="from"/> to <paramref name="to"/> with
    /// <c>redis-cli --cluster reshard … --cluster-from … --cluster-to … --cluster-slots … --cluster-yes</c> (it moves the
    /// source's lowest slots first, and each slot's keys with MIGRATE while clients go on using them: they get
    /// <c>ASK</c> during a slot's move and <c>MOVED</c> after it), and waits until every node agrees on the new layout.</summary>
    /// <exception cref="InvalidOperationException">redis-cli failed; the message holds its output.</exception>
    /// <exception cref="TimeoutException">The nodes did not agree within 30 s; the message holds each node's view.</exception>
    public async Task ReshardAsync(RedisServer from, RedisServer to, int slots, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slots);
        var (fromId, toId) = (await NodeIdAsync(from, cancellationToken).ConfigureAwait(false), await NodeIdAsync(to, cancellationToken).ConfigureAwait(false));
        await RunCliAsync(
            ["--cluster", "reshard", $"127.0.0.1:{from.Port.ToString(CultureInfo.InvariantCulture)}", "--cluster-from", fromId, "--cluster-to", toId,
             "--cluster-slots", slots.ToString(CultureInfo.InvariantCulture), "--cluster-yes"],
            cancellationToken).ConfigureAwait(false);
        await AwaitReadyAsync($"after the reshard of {slots} slots from {from.Port} to {to.Port}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The first step of moving one slot by hand, as a reshard does for each slot: <paramref name="to"/> is set
    /// <c>IMPORTING</c> it from <paramref name="from"/>, and <paramref name="from"/> <c>MIGRATING</c> it to
    /// <paramref name="to"/>. From now on <paramref name="from"/> answers a command whose keys it no longer holds with
    /// <c>ASK</c> (all gone) or <c>TRYAGAIN</c> (some gone, some not).</summary>
    public async Task BeginSlotMigrationAsync(int slot, RedisServer from, RedisServer to, CancellationToken cancellationToken = default)
    {
        var (fromId, toId, slotArg) = (await NodeIdAsync(from, cancellationToken).ConfigureAwait(false), await NodeIdAsync(to, cancellationToken).ConfigureAwait(false), slot.ToString(CultureInfo.InvariantCulture));
        await RunCliAsync(["-p", to.Port.ToString(CultureInfo.InvariantCulture), "cluster", "setslot", slotArg, "importing", fromId], cancellationToken).ConfigureAwait(false);
        await RunCliAsync(["-p", from.Port.ToString(CultureInfo.InvariantCulture), "cluster", "setslot", slotArg, "migrating", toId], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>MIGRATEs <paramref name="keys"/> (or, when none are given, every key <paramref name="from"/> still holds
    /// in <paramref name="slot"/>) to <paramref name="to"/>, during a migration <see cref="BeginSlotMigrationAsync"/> began.</summary>
    public async Task MigrateKeysAsync(int slot, RedisServer from, RedisServer to, IReadOnlyList<string>? keys = null, CancellationToken cancellationToken = default)
    {
        var fromPort = from.Port.ToString(CultureInfo.InvariantCulture);
        keys ??= (await RunCliAsync(["-p", fromPort, "cluster", "getkeysinslot", slot.ToString(CultureInfo.InvariantCulture), "100000"], cancellationToken).ConfigureAwait(false))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (keys.Count > 0)
        {
            await RunCliAsync(["-p", fromPort, "migrate", "127.0.0.1", to.Port.ToString(CultureInfo.InvariantCulture), "", "0", "5000", .. (Password is null ? [] : new[] { "auth", Password }), "keys", .. keys], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The last step of moving a slot by hand: every primary is told that <paramref name="to"/> serves
    /// <paramref name="slot"/> (the target first, then the rest, as redis-cli does); clients that ask another node get
    /// <c>MOVED</c>. Returns once every node agrees on the layout.</summary>
    /// <exception cref="InvalidOperationException">A node refused, e.g. the source still holds keys of the slot.</exception>
    public async Task EndSlotMigrationAsync(int slot, RedisServer to, CancellationToken cancellationToken = default)
    {
        var (toId, slotArg) = (await NodeIdAsync(to, cancellationToken).ConfigureAwait(false), slot.ToString(CultureInfo.InvariantCulture));
        foreach (var primary in Primaries.OrderBy(p => p == to ? 0 : 1))
        {
            await RunCliAsync(["-p", primary.Port.ToString(CultureInfo.InvariantCulture), "cluster", "setslot", slotArg, "node", toId], cancellationToken).ConfigureAwait(false);
        }

        await AwaitReadyAsync($"after slot {slot} moved to {to.Port}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>kill -9 of every node at once, and a start of each on its port and directory (it reloads its
    /// append-only file and its nodes.conf); returns once the cluster is ready again. Nothing can fail over: no primary
    /// is left to vote.</summary>
    /// <exception cref="TimeoutException">The cluster was not ready within 30 s; the message holds each node's view.</exception>
    public async Task RestartAllAsync(CancellationToken cancellationToken = default)
    {
        await Task.WhenAll(nodes.Select(n => n.KillAsync())).ConfigureAwait(false);
        await Task.WhenAll(nodes.Select(n => n.StartAsync(cancellationToken))).ConfigureAwait(false);
        await AwaitReadyAsync("after a kill -9 and start of every node", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How many error replies of each kind (<c>MOVED</c>, <c>ASK</c>, <c>TRYAGAIN</c>, …) the running nodes have
    /// sent since they started, summed (INFO errorstats).</summary>
    public async Task<IReadOnlyDictionary<string, long>> ErrorRepliesAsync(CancellationToken cancellationToken = default)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var node in nodes.Where(n => n.IsRunning))
        {
            var stats = await RunCliAsync(["-p", node.Port.ToString(CultureInfo.InvariantCulture), "info", "errorstats"], cancellationToken).ConfigureAwait(false);
            // errorstat_MOVED:count=12
            foreach (var line in stats.Split('\n', StringSplitOptions.TrimEntries).Where(l => l.StartsWith("errorstat_", StringComparison.Ordinal)))
            {
                var (name, count) = (line[10..line.IndexOf(':', StringComparison.Ordinal)], line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..]);
                counts[name] = counts.GetValueOrDefault(name) + long.Parse(count, CultureInfo.InvariantCulture);
            }
        }

        return counts;
    }

    private async Task<string> NodeIdAsync(RedisServer node, CancellationToken cancellationToken) =>
        (await RunCliAsync(["-p", node.Port.ToString(CultureInfo.InvariantCulture), "cluster", "myid"], cancellationToken).ConfigureAwait(false)).Trim();

    /// <summary>The slots of one CLUSTER NODES slot field: <c>5461-10922</c> or <c>93</c>.</summary>
    private static IEnumerable<int> SlotsIn(string range)
    {
        var dash = range.IndexOf('-', StringComparison.Ordinal);
        var (first, last) = dash < 0
            ? (int.Parse(range, CultureInfo.InvariantCulture), int.Parse(range, CultureInfo.InvariantCulture))
            : (int.Parse(range[..dash], CultureInfo.InvariantCulture), int.Parse(range[(dash + 1)..], CultureInfo.InvariantCulture));
        return Enumerable.Range(first, last - first + 1);
    }

    /// <summary>Runs one command on <paramref name="node"/> through redis-cli and returns its output, e.g.
    /// <c>CLIENT KILL TYPE replica</c> on a primary to cut its replicas off, or <c>CONFIG SET …</c>.</summary>
    /// <exception cref="InvalidOperationException">redis-cli failed or the node answered an error; the message holds its output.</exception>
    public Task<string> CommandAsync(RedisServer node, IReadOnlyList<string> command, CancellationToken cancellationToken = default) =>
        RunCliAsync(["-p", node.Port.ToString(CultureInfo.InvariantCulture), .. command], cancellationToken);

    /// <summary>Waits until <paramref name="node"/> (e.g. a killed primary started again) is a replica that has finished
    /// its sync with its primary, and every running node reports <c>cluster_state:ok</c>.</summary>
    /// <exception cref="TimeoutException">Not within <paramref name="timeout"/>; the message holds what was seen.</exception>
    public Task AwaitReplicaAsync(RedisServer node, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Eventually.UntilAsync(
            async () =>
            {
                var views = await Task.WhenAll(nodes.Where(n => n.IsRunning).Select(n => ViewAsync(n.Port, cancellationToken))).ConfigureAwait(false);
                var rows = await NodeRowsAsync(node.Port, cancellationToken).ConfigureAwait(false);
                var self = rows.Single(r => r[2].Contains("myself", StringComparison.Ordinal));
                return (Replica: self[2].Contains("slave", StringComparison.Ordinal) && self[3] != "-", Views: views);
            },
            v => v.Replica && v.Views.All(view => view.State == "ok" && view.Synced),
            timeout,
            v => $"node {node.Port} to be a synced replica and every running node to say cluster_state:ok; replica: {v.Replica}; "
                + $"seen: {string.Join("; ", v.Views.Select(view => view.Describe()))}",
            cancellationToken);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < PrimaryCount + Replicas; i++)
        {
            nodes.Add(new RedisServer(Password,
            [
                .. Password is null ? [] : new[] { "--masterauth", Password },
                "--cluster-enabled", "yes",
                "--cluster-port", PortAllocator.GetFreePort().ToString(CultureInfo.InvariantCulture),
                "--cluster-node-timeout", "2000",

                // A replica's first sync starts at once instead of after the default 5 s wait for more replicas.
                "--repl-diskless-sync-delay", "0",
                .. nodeArguments,
            ]));
        }

        await Task.WhenAll(nodes.Select(n => n.StartAsync(cancellationToken))).ConfigureAwait(false);

        List<string> create = ["--cluster", "create", .. nodes.Select(n => $"127.0.0.1:{n.Port.ToString(CultureInfo.InvariantCulture)}"),
            "--cluster-replicas", replicasPerPrimary.ToString(CultureInfo.InvariantCulture), "--cluster-yes"];
        await RunCliAsync(create, cancellationToken).ConfigureAwait(false);

        var views = await AwaitReadyAsync("after the create", cancellationToken).ConfigureAwait(false);
        primaryPorts = views[0].PrimaryPorts;
    }

    /// <summary>Waits until every node reports <c>cluster_state:ok</c>, sees 3 primaries serving all slots and every
    /// replica attached and synced, and all nodes agree on which primary serves which slots.</summary>
    private Task<NodeView[]> AwaitReadyAsync(string phase, CancellationToken cancellationToken) =>
        Eventually.UntilAsync(
            () => Task.WhenAll(nodes.Select(n => ViewAsync(n.Port, cancellationToken))),
            all => all.All(v => v.Ready(Replicas)) && all.Select(v => v.SlotMap).Distinct().Count() == 1,
            ReadyTimeout,
            all => $"{phase}: every node of the Redis Cluster to report cluster_state:ok with 3 primaries serving all slots and {Replicas} "
                + $"attached replicas, each replica's link to its primary up, and one slot map; seen: {string.Join("; ", all.Select(v => v.Describe()))}",
            cancellationToken);

    /// <summary>What one node says of the cluster: its CLUSTER INFO state and CLUSTER NODES layout.</summary>
    private async Task<NodeView> ViewAsync(int port, CancellationToken cancellationToken)
    {
        var portArg = port.ToString(CultureInfo.InvariantCulture);
        var info = await RunCliAsync(["-p", portArg, "cluster", "info"], cancellationToken).ConfigureAwait(false);
        var rows = await NodeRowsAsync(port, cancellationToken).ConfigureAwait(false);
        var primaries = rows.Where(r => r[2].Contains("master", StringComparison.Ordinal) && r.Length > 8).ToList();
        var replicas = rows.Count(r => r[2].Contains("slave", StringComparison.Ordinal) && r[3] != "-");
        var healthy = rows.All(r => r[7] == "connected" && !r[2].Contains("fail", StringComparison.Ordinal));
        var primaryPorts = primaries.Select(PortOf).Order().ToArray();
        var slotMap = string.Join(' ', primaries.OrderBy(PortOf).Select(r => $"{PortOf(r)}:{string.Join(',', r.Skip(8))}"));
        // A replica listed in CLUSTER NODES may not have finished its first sync yet: until master_link_status is up
        // it holds none of its primary's data, and the cluster refuses to promote it if the primary dies.
        var replication = await RunCliAsync(["-p", portArg, "info", "replication"], cancellationToken).ConfigureAwait(false);
        var synced = !replication.Contains("role:slave", StringComparison.Ordinal)
            || replication.Contains("master_link_status:up", StringComparison.Ordinal);
        return new NodeView(port, State(info), primaryPorts, replicas, healthy, synced, slotMap);
    }

    /// <summary>One node's CLUSTER NODES, split: <c>&lt;id&gt; &lt;ip:port@cport&gt; &lt;flags&gt; &lt;master id|-&gt;
    /// &lt;ping&gt; &lt;pong&gt; &lt;epoch&gt; &lt;link&gt; [&lt;slot ranges&gt;…]</c>.</summary>
    private async Task<List<string[]>> NodeRowsAsync(int port, CancellationToken cancellationToken)
    {
        var layout = await RunCliAsync(["-p", port.ToString(CultureInfo.InvariantCulture), "cluster", "nodes"], cancellationToken).ConfigureAwait(false);
        return layout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(' '))
            .ToList();
    }

    private static int PortOf(string[] row) =>
        int.Parse(row[1][(row[1].LastIndexOf(':') + 1)..row[1].IndexOf('@', StringComparison.Ordinal)], CultureInfo.InvariantCulture);

    private static string State(string info) =>
        info.Split('\n', StringSplitOptions.TrimEntries).FirstOrDefault(l => l.StartsWith("cluster_state:", StringComparison.Ordinal))?[14..]
        ?? "(no cluster_state)";

    private Task<string> RunCliAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        RedisCli.RunAsync([.. RedisCli.Auth(Password), .. arguments], cancellationToken);

    private sealed record NodeView(int Port, string State, int[] PrimaryPorts, int Replicas, bool Healthy, bool Synced, string SlotMap)
    {
        public bool Ready(int replicas) => State == "ok" && PrimaryPorts.Length == PrimaryCount && Replicas == replicas && Healthy && Synced;

        public string Describe() =>
            $"{Port}: state {State}, primaries [{string.Join(' ', PrimaryPorts)}], {Replicas} replicas, links {(Healthy ? "all connected" : "not all connected")}{(Synced ? "" : ", replication link not up yet")}, slots {SlotMap}";
    }
}
