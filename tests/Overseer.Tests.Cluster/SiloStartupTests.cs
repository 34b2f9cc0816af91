using Overseer.Testing;

namespace Overseer.Tests.Cluster;

/// <summary>A silo that cannot work refuses to start, saying which setting is wrong.</summary>
public sealed class SiloStartupTests
{
    private static Task<ProcessRunner.Result> StartSiloAsync(params (string Key, string Value)[] settings)
    {
        var environment = new Dictionary<string, string>
        {
            ["Urls"] = $"http://127.0.0.1:{PortAllocator.GetFreePort()}",
            ["Orleans__Endpoints__SiloPort"] = PortAllocator.GetFreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__GatewayPort"] = PortAllocator.GetFreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        return ProcessRunner.RunAsync(RepoPaths.SiloDll, [], environment, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Start_UnreachableRedis_ExitsNamingTheKeyAndEndpoint_WithoutThePassword()
    {
        var closedPort = PortAllocator.GetFreePort();

        var result = await StartSiloAsync(("ConnectionStrings__redis", $"127.0.0.1:{closedPort},password=hunter2-secret,connectTimeout=500"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"cannot reach Redis at 127.0.0.1:{closedPort} (password set) (ConnectionStrings:redis)", result.Stderr);
        Assert.DoesNotContain("hunter2-secret", result.Stderr + result.Stdout);
    }

    [Fact]
    public async Task Start_BadValues_ExitNamingEveryBadKey()
    {
        var result = await StartSiloAsync(
            ("ConnectionStrings__redis", "127.0.0.1:1"),
            ("Orleans__Endpoints__SiloPort", "eleven"),
            ("Orleans__ClusterMembership__ProbeTimeout", "soon"),
            ("Overseer__Partitions", "0"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Orleans:Endpoints:SiloPort is 'eleven': expected a TCP port number 1-65535", result.Stderr);
        Assert.DoesNotContain("Unhandled exception", result.Stderr);
    }

    [Fact]
    public async Task Start_BadSupervisionAndMembershipValues_ExitNamingTheKey()
    {
        var result = await StartSiloAsync(
            ("ConnectionStrings__redis", "127.0.0.1:1"),
            ("Orleans__ClusterMembership__ProbeTimeout", "soon"),
            ("Overseer__Partitions", "0"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Overseer:Partitions is 0: expected 1..4096", result.Stderr);
        Assert.DoesNotContain("Unhandled exception", result.Stderr);
    }
}
