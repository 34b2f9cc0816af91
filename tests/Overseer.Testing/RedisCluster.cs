using System.Diagnostics;
using System.Globalization;

namespace Overseer.Testing;

/// <summary>
/// A real Redis Cluster of private processes: 3 primaries and 3 replicas, each a <see cref="RedisServer"/> started with
/// <c>--cluster-enabled yes</c> on free loopback ports in its own temp directory, joined by
/// <c>redis-cli --cluster create … --cluster-replicas 1</c>. <see cref="StartNewAsync"/> returns once every node reports
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

    private const string Cli = "redis-cli";
    private static readonly string[] ReconnectNoise = ["Connecting to MASTER", "REPLICA sync started", "Error condition on socket for SYNC"];
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(30);

    private readonly List<RedisServer> nodes = [];
    private int[] primaryPorts = [];

    private RedisCluster()
    {
    }

    /// <summary>All six nodes, in the order they were created (redis-cli makes the first three the primaries).</summary>
    public IReadOnlyList<RedisServer> Nodes => nodes;

    /// <summary>The nodes that served slots when the cluster became ready (a failover can change this since).</summary>
    public IReadOnlyList<RedisServer> Primaries => [.. nodes.Where(n => primaryPorts.Contains(n.Port))];

    /// <summary>A StackExchange.Redis connection string listing the primaries, e.g.
    /// <c>127.0.0.1:41001,127.0.0.1:41002,127.0.0.1:41003,abortConnect=false</c>: the client finds the replicas and the
    /// slot map from any of them.</summary>
    public string ConnectionString =>
        string.Join(',', primaryPorts.Select(p => $"127.0.0.1:{p.ToString(CultureInfo.InvariantCulture)}")) + ",abortConnect=false";

    /// <summary>Starts six nodes, creates the cluster and waits until it is ready.</summary>
    /// <exception cref="InvalidOperationException">redis-server or redis-cli is missing, a node did not start, or the
    /// create failed; the message says why.</exception>
    /// <exception cref="TimeoutException">The cluster was not ready within 30 s; the message holds each node's view.</exception>
    public static async Task<RedisCluster> StartNewAsync(CancellationToken cancellationToken = default)
    {
        var cluster = new RedisCluster();
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
        for (var i = 0; i < PrimaryCount + ReplicaCount; i++)
        {
            nodes.Add(new RedisServer(extraArguments:
            [
                "--cluster-enabled", "yes",
                "--cluster-port", PortAllocator.GetFreePort().ToString(CultureInfo.InvariantCulture),
                "--cluster-node-timeout", "2000",

                // A replica's first sync starts at once instead of after the default 5 s wait for more replicas.
                "--repl-diskless-sync-delay", "0",
            ]));
        }

        await Task.WhenAll(nodes.Select(n => n.StartAsync(cancellationToken))).ConfigureAwait(false);

        List<string> create = ["--cluster", "create", .. nodes.Select(n => $"127.0.0.1:{n.Port.ToString(CultureInfo.InvariantCulture)}"),
            "--cluster-replicas", "1", "--cluster-yes"];
        await RunCliAsync(create, cancellationToken).ConfigureAwait(false);

        var views = await Eventually.UntilAsync(
            () => Task.WhenAll(nodes.Select(n => ViewAsync(n.Port, cancellationToken))),
            all => all.All(v => v.Ready),
            ReadyTimeout,
            all => "every node of the Redis Cluster to report cluster_state:ok with 3 primaries serving all slots and 3 "
                + $"attached replicas, each replica's link to its primary up; seen: {string.Join("; ", all.Select(v => v.Describe()))}",
            cancellationToken).ConfigureAwait(false);
        primaryPorts = views[0].PrimaryPorts;
    }

    /// <summary>What one node says of the cluster: its CLUSTER INFO state and CLUSTER NODES layout.</summary>
    private static async Task<NodeView> ViewAsync(int port, CancellationToken cancellationToken)
    {
        var portArg = port.ToString(CultureInfo.InvariantCulture);
        var info = await RunCliAsync(["-p", portArg, "cluster", "info"], cancellationToken).ConfigureAwait(false);
        var rows = await NodeRowsAsync(port, cancellationToken).ConfigureAwait(false);
        var primaries = rows.Where(r => r[2].Contains("master", StringComparison.Ordinal) && r.Length > 8).ToList();
        var replicas = rows.Count(r => r[2].Contains("slave", StringComparison.Ordinal) && r[3] != "-");
        var healthy = rows.All(r => r[7] == "connected" && !r[2].Contains("fail", StringComparison.Ordinal));
        var primaryPorts = primaries.Select(PortOf).Order().ToArray();
        // A replica listed in CLUSTER NODES may not have finished its first sync yet: until master_link_status is up
        // it holds none of its primary's data, and the cluster refuses to promote it if the primary dies.
        var replication = await RunCliAsync(["-p", portArg, "info", "replication"], cancellationToken).ConfigureAwait(false);
        var synced = !replication.Contains("role:slave", StringComparison.Ordinal)
            || replication.Contains("master_link_status:up", StringComparison.Ordinal);
        return new NodeView(port, State(info), primaryPorts, replicas, healthy, synced);
    }

    /// <summary>One node's CLUSTER NODES, split: <c>&lt;id&gt; &lt;ip:port@cport&gt; &lt;flags&gt; &lt;master id|-&gt;
    /// &lt;ping&gt; &lt;pong&gt; &lt;epoch&gt; &lt;link&gt; [&lt;slot ranges&gt;…]</c>.</summary>
    private static async Task<List<string[]>> NodeRowsAsync(int port, CancellationToken cancellationToken)
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

    /// <summary>Runs redis-cli to completion and returns its output.</summary>
    /// <exception cref="InvalidOperationException">redis-cli is missing or exited with an error; the message holds its output.</exception>
    private static async Task<string> RunCliAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var executable = ChildProcesses.FindOnPath(Cli) ?? throw new InvalidOperationException(
            "redis-cli is not installed (not found on PATH). Run ./overseer test, which installs it, "
            + "or install it with: apt-get install -y redis-tools");
        var startInfo = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start redis-cli");
        process.StandardInput.Close();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(CliTimeout);
        var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var error = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"redis-cli {string.Join(' ', arguments)} did not finish within {CliTimeout.TotalSeconds:0} s");
        }

        var text = await output.ConfigureAwait(false);
        var errors = await error.ConfigureAwait(false);
        if (process.ExitCode != 0 || text.Contains("[ERR]", StringComparison.Ordinal) || text.StartsWith("ERR", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"redis-cli {string.Join(' ', arguments)} failed (exit code {process.ExitCode}):{Environment.NewLine}{text}{errors}");
        }

        return text;
    }

    private sealed record NodeView(int Port, string State, int[] PrimaryPorts, int Replicas, bool Healthy, bool Synced)
    {
        public bool Ready => State == "ok" && PrimaryPorts.Length == PrimaryCount && Replicas == ReplicaCount && Healthy && Synced;

        public string Describe() =>
            $"{Port}: state {State}, primaries [{string.Join(' ', PrimaryPorts)}], {Replicas} replicas, links {(Healthy ? "all connected" : "not all connected")}{(Synced ? "" : ", replication link not up yet")}";
    }
}
