using System.Text.Json;
using Overseer.Testing;

namespace Overseer.Tests.Cluster;

/// <summary>Redis over TLS, as the production notes ask where the network is shared: a redis-server with a password that
/// also serves TLS with a certificate from a private authority, a silo process and the CLI that reach it only through
/// <c>ssl=true</c>, trusting that authority the way a team would (<c>SSL_CERT_FILE</c>).</summary>
/// <remarks>The server keeps a plain port too, for the test's own reads and the test client's membership lookups; the
/// silo and the CLI are given only the TLS endpoint.</remarks>
public sealed class RedisTlsTests
{
    private const string Password = "tls-test-secret";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task SiloAndCli_OverTlsWithAPassword_TrustingAPrivateAuthority_RunAWorker_AndWithoutTrustAreRefusedClearly()
    {
        using var certificates = TestCertificates.Create();
        var tlsPort = PortAllocator.GetFreePort();
        await using var redis = new RedisServer(Password, certificates.RedisArguments(tlsPort));
        await redis.StartAsync();
        var tls = $"127.0.0.1:{tlsPort},ssl=true,password={Password},abortConnect=false";
        var trust = new Dictionary<string, string> { ["SSL_CERT_FILE"] = certificates.CaPath };
        await using var cluster = await ProcessCluster.StartAsync(silos: 0, environment: trust, redisConnectionString: redis.ConnectionString);
        await cluster.StartSiloAsync("tls-silo", redisConnectionString: tls);

        var cli = new Dictionary<string, string>(trust)
        {
            ["ConnectionStrings__redis"] = tls,
            ["Orleans__ClusterId"] = cluster.ClusterId,
            ["Orleans__ServiceId"] = cluster.ServiceId,
        };
        var started = await ProcessRunner.RunAsync(RepoPaths.CliDll, ["start", "tls-worker", "--source", "sequence", "--option", "limit=200", "--option", "batch=10"], cli, Deadline);
        Assert.True(started.ExitCode == 0, $"overseer start over TLS exited {started.ExitCode}: {started.Stderr}");
        await Eventually.UntilAsync(
            () => cluster.CheckpointAsync("tls-worker"),
            cp => cp == 200,
            Deadline,
            cp => $"'tls-worker' to commit its 200 events through the silo's TLS connection; at {cp}");
        var status = await ProcessRunner.RunAsync(RepoPaths.CliDll, ["status", "tls-worker", "--json"], cli, Deadline);
        Assert.True(status.ExitCode == 0, $"overseer status over TLS exited {status.ExitCode}: {status.Stderr}");
        var info = JsonDocument.Parse(status.Stdout).RootElement;
        Assert.Equal(("completed", 200), (info.GetProperty("status").GetString(), info.GetProperty("checkpoint").GetInt32()));

        // Without the authority the server's certificate is not trusted: refused at once, naming Redis, not the password.
        var untrusted = new Dictionary<string, string>(cli) { ["SSL_CERT_FILE"] = Path.Combine(certificates.Directory, "none.pem") };
        var refused = await ProcessRunner.RunAsync(RepoPaths.CliDll, ["status", "tls-worker"], untrusted, Deadline);
        Assert.True(refused.ExitCode == 3, $"overseer status without trusting the authority should exit 3 (unreachable); it exited {refused.ExitCode}: {refused.Stdout} {refused.Stderr}");
        Assert.Contains($"127.0.0.1:{tlsPort}", refused.Stderr);
        Assert.DoesNotContain(Password, refused.Stderr + refused.Stdout);
    }
}
