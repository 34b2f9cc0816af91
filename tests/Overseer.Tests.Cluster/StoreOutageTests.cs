using Overseer.Client;
using Overseer.Errors;
using Overseer.Testing;
using Xunit.Abstractions;

namespace Overseer.Tests.Cluster;

/// <summary>What a caller sees when the cluster is up but cannot reach its store: the silo reaches Redis through a
/// proxy that the test cuts, while the client (and each CLI run) reaches Redis directly and so still finds the gateway.
/// A worker whose grain is not active must read its state to answer, so its activation fails on the outage.</summary>
[Trait("Category", "Faults")]
public sealed class StoreOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>The client's retry budget in these tests: long enough for a few attempts, short enough to keep the test fast.</summary>
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(4);

    /// <summary>How long the client waits for one answer: the silo's own answer (its activation failing on the outage) must
    /// come first. The silo's Redis commands give up after 2 s; with the client's default of 5 s a loaded CI machine once
    /// answered later than that twice in a row, and the test saw the client's timeout instead of the contract's error.</summary>
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(20);

    private ProcessCluster _cluster = null!;
    private TcpProxy _siloToRedis = null!;

    public async Task InitializeAsync()
    {
        _cluster = await ProcessCluster.StartAsync(silos: 0);
        _siloToRedis = new TcpProxy(_cluster.Redis.Port);

        // A Redis command of the silo's fails 2 s after the cut (StackExchange.Redis' default is 5 s), well within the
        // client's response timeout (ResponseTimeout), so the caller sees the activation's failure, not its own timeout.
        await _cluster.StartSiloAsync(
            "silo-0", redisConnectionString: $"127.0.0.1:{_siloToRedis.Port},abortConnect=false,asyncTimeout=2000,syncTimeout=2000");
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _siloToRedis.DisposeAsync();
    }

    [Fact]
    public async Task CliStatus_OfAnInactiveWorkerWhileTheSiloCannotReachRedis_ExitsUnreachableAndNamesTheStore()
    {
        _siloToRedis.Cut();

        var status = await ProcessRunner.RunAsync(
            RepoPaths.CliDll,
            ["status", "never-started"],
            new Dictionary<string, string>(ProcessRunner.Environment(_cluster))
            {
                ["Overseer__Client__CallTimeout"] = CallTimeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            TimeSpan.FromSeconds(60));

        var said = $"exit {status.ExitCode}; stdout: {status.Stdout}; stderr: {status.Stderr}";
        output.WriteLine(said);
        Assert.True(status.ExitCode == 3, said);
        Assert.Empty(status.Stdout);
        // One line: no framework log line ("fail: Orleans.Runtime.Messaging.Connection …") before it.
        var error = Assert.Single(status.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("error: the Overseer cluster answered, but Redis is unavailable: ", error, StringComparison.Ordinal);
        Assert.EndsWith("wait longer with Overseer:Client:CallTimeout)", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", status.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientGetStatus_OfAnInactiveWorkerWhileTheSiloCannotReachRedis_FailsWithTheContractsStoreUnavailable()
    {
        var client = await _cluster.ConnectAsync(CallTimeout, ResponseTimeout);
        _siloToRedis.Cut();

        var thrown = await Record.ExceptionAsync(() => client.GetStatusAsync("never-started"));

        output.WriteLine(thrown?.ToString() ?? "nothing thrown");
        var unreachable = Assert.IsType<ClusterUnreachableException>(thrown);
        var contract = Assert.IsType<OverseerException>(unreachable.InnerException);
        Assert.Equal(OverseerErrorCode.Unavailable, contract.Code);
        Assert.Null(contract.InnerException);
        Assert.StartsWith("Redis is unavailable", contract.Message, StringComparison.Ordinal);
        Assert.Contains(contract.Message, unreachable.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", unreachable.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientGetStatus_OnceTheSiloReachesRedisAgain_Answers()
    {
        var client = await _cluster.ConnectAsync(CallTimeout, ResponseTimeout);
        _siloToRedis.Cut();
        await Assert.ThrowsAsync<ClusterUnreachableException>(() => client.GetStatusAsync("never-started"));

        _siloToRedis.Restore();

        var refused = await Eventually.UntilAsync(
            async () => await Record.ExceptionAsync(() => client.GetStatusAsync("never-started")),
            e => e is OverseerException,
            TimeSpan.FromSeconds(60),
            e => $"status of a never-started worker to be refused as unknown once the silo reaches Redis again; got {e}");
        Assert.Equal(OverseerErrorCode.UnknownWorker, ((OverseerException)refused!).Code);
    }

    [Fact]
    public async Task SiloStart_WhileRedisIsSlowToAnswerItsFirstCommands_WaitsAndJoins()
    {
        // A second silo reaches Redis through its own proxy, frozen from the start: its connection opens but no reply
        // comes back for longer than its command timeout (1 s) — a loaded machine, a Redis still loading its dataset.
        await using var slow = new TcpProxy(_cluster.Redis.Port);
        slow.Freeze();
        var starting = _cluster.StartSiloAsync(
            "silo-1", redisConnectionString: $"127.0.0.1:{slow.Port},abortConnect=false,asyncTimeout=1000,syncTimeout=1000,connectTimeout=1000");
        await Eventually.UntilAsync(
            () => Task.FromResult(slow.Accepted), n => n > 0, TimeSpan.FromSeconds(30), n => $"silo-1 to open a connection to Redis; {n} so far");

        // The injected fault's length, not a synchronisation: the stall outlasts two of the silo's command timeouts.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.False(starting.IsCompleted, $"silo-1 started or gave up while Redis did not answer: {starting.Exception?.GetBaseException().Message}");
        slow.Restore();

        var silo = await starting;
        Assert.False(silo.HasExited, "silo-1 exited after it was ready");
    }

    [Fact]
    public async Task CliStatus_WhileRedisItselfIsDown_ExitsUnreachableWithOneErrorLine()
    {
        await _cluster.Redis.StopAsync();

        var status = await ProcessRunner.RunAsync(
            RepoPaths.CliDll,
            ["status", "never-started"],
            new Dictionary<string, string>(ProcessRunner.Environment(_cluster)) { ["Overseer__Client__ConnectTimeout"] = "3" },
            TimeSpan.FromSeconds(60));

        var said = $"exit {status.ExitCode}; stdout: {status.Stdout}; stderr: {status.Stderr}";
        output.WriteLine(said);
        Assert.True(status.ExitCode == 3, said);
        Assert.Empty(status.Stdout);
        var error = Assert.Single(status.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith($"error: cannot reach Redis at 127.0.0.1:{_cluster.Redis.Port}", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", status.Stderr, StringComparison.Ordinal);
    }
}
