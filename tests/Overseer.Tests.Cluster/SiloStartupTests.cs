using System.Diagnostics;
using Overseer.Testing;

namespace Overseer.Tests.Cluster;

/// <summary>A silo that cannot work refuses to start, saying which setting is wrong.</summary>
public sealed class SiloStartupTests
{
    private static Task<ProcessRunner.Result> StartSiloAsync(params (string Key, string Value)[] settings) =>
        ProcessRunner.RunAsync(RepoPaths.SiloDll, [], ProcessRunner.StandaloneSilo(settings.Select(s => KeyValuePair.Create(s.Key, s.Value))), TimeSpan.FromSeconds(60));

    // How long these silos wait for a Redis that never answers (Overseer:Startup:RedisTimeout; the default is 30 s).
    private const string RedisTimeout = "3s";

    [Fact]
    public async Task Start_UnreachableRedis_ExitsNamingTheKeyAndEndpoint_WithoutThePassword()
    {
        var closedPort = PortAllocator.GetFreePort();

        var clock = Stopwatch.StartNew();
        var result = await StartSiloAsync(
            ("ConnectionStrings__redis", $"127.0.0.1:{closedPort},password=hunter2-secret,connectTimeout=500"),
            ("Overseer__Startup__RedisTimeout", RedisTimeout));

        Assert.Equal(1, result.ExitCode);
        // It gave up after the configured 3 s, not the default 30 s (the rest is the process's own start and stop).
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"the silo gave up after {clock.Elapsed.TotalSeconds:0.0} s with Overseer:Startup:RedisTimeout {RedisTimeout}");
        Assert.Contains($"cannot reach Redis at 127.0.0.1:{closedPort} (password set) (ConnectionStrings:redis)", result.Stderr);
        Assert.DoesNotContain("hunter2-secret", result.Stderr + result.Stdout);
    }

    [Fact]
    public async Task Start_NoSentinelAnswers_ExitsWithOneLineNamingTheService()
    {
        var sentinels = $"127.0.0.1:{PortAllocator.GetFreePort()},127.0.0.1:{PortAllocator.GetFreePort()}";

        var result = await StartSiloAsync(
            ("ConnectionStrings__redis", $"{sentinels},serviceName=mymaster,connectTimeout=500"),
            ("Overseer__Startup__RedisTimeout", RedisTimeout));

        Assert.Equal(1, result.ExitCode);
        var error = result.Stderr.Split('\n').Select(l => l.TrimEnd('\r')).SingleOrDefault(l => l.Contains("cannot reach Redis", StringComparison.Ordinal));
        Assert.True(error is not null, $"no 'cannot reach Redis' line in stderr:\n{result.Stderr}");
        Assert.Contains("serviceName=mymaster", error, StringComparison.Ordinal);
        // StackExchange.Redis' dump of its connection state (thread pool, counters, version) is cut: what failed stays.
        Assert.EndsWith("point ConnectionStrings:redis at a reachable server", error, StringComparison.Ordinal);
        Assert.DoesNotContain("IOCP", error, StringComparison.Ordinal);
        Assert.True(error.Length < 400, $"the error line is {error.Length} characters long: {error}");
    }

    [Theory]
    [InlineData("Orleans__Endpoints__SiloPort", "eleven", "Orleans:Endpoints:SiloPort is 'eleven': expected a TCP port number 1-65535")]
    [InlineData("Overseer__Partitions", "0", "Overseer:Partitions is 0: expected 1..4096")]
    [InlineData("Orleans__ClusterMembership__ProbeTimeout", "soon", "Orleans:ClusterMembership:ProbeTimeout is 'soon': expected a duration")]
    [InlineData("Overseer__Supervision__BackoffMax", "1ms", "Overseer:Supervision:BackoffMax (00:00:00.0010000) is below Overseer:Supervision:BackoffMin")]
    [InlineData("Overseer__Redis__MinReplicaAcks", "-1", "Overseer:Redis:MinReplicaAcks is -1: expected 0 (a write counts once the primary has it) or 1..16")]
    [InlineData("Overseer__Startup__RedisTimeout", "0s", "Overseer:Startup:RedisTimeout is 00:00:00: expected 1s..1h")]
    [InlineData("Overseer__Startup__RedisTimeout", "soon", "Overseer:Startup:RedisTimeout is 'soon': expected a duration")]
    [InlineData("Overseer__Redis__ReplicaAckTimout", "1s", "Overseer:Redis:ReplicaAckTimout is not a known setting; valid keys under Overseer:Redis: MinReplicaAcks, ReplicaAckTimeout")]
    public async Task Start_BadValue_ExitsNamingTheKey(string key, string value, string expected)
    {
        var result = await StartSiloAsync(("ConnectionStrings__redis", "127.0.0.1:1"), (key, value));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.Stderr);
        Assert.DoesNotContain("Unhandled exception", result.Stderr);
    }
}
