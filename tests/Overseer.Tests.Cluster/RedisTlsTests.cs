using System.Text.Json;
using System.Diagnostics;
using Overseer.Testing;
using Xunit.Abstractions;

namespace Overseer.Tests.Cluster;

/// <summary>Redis over TLS, as the production notes ask where the network is shared: a redis-server with a password that
/// also serves TLS with a certificate from a private authority, a silo process and the CLI that reach it only through
/// <c>ssl=true</c>, trusting that authority the way a team would (<c>SSL_CERT_FILE</c>).</summary>
/// <remarks>The server keeps a plain port too, for the test's own reads and the test client's membership lookups; the
/// silo and the CLI are given only the TLS endpoint.</remarks>
public sealed class RedisTlsTests(ITestOutputHelper output)
{
    private const string Password = "tls-test-secret";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task SiloAndCli_OverTlsWithAPassword_TrustingAPrivateAuthority_RunAWorker_AndAreRefusedClearlyWithoutTrustOrWithAWrongPassword()
    {
        var clock = Stopwatch.StartNew();
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

        output.WriteLine($"worker completed over TLS at {clock.Elapsed.TotalSeconds:0.0} s");

        // Without the authority, or with a wrong password: refused at once, saying which, naming the endpoint, never the password.
        var untrusted = new Dictionary<string, string>(cli) { ["SSL_CERT_FILE"] = Path.Combine(certificates.Directory, "none.pem") };
        var wrongPassword = new Dictionary<string, string>(cli) { ["ConnectionStrings__redis"] = tls.Replace(Password, "not-the-password", StringComparison.Ordinal) };
        var refusals = await Task.WhenAll(
            RefusedAsync(RepoPaths.CliDll, ["status", "tls-worker"], untrusted, exitCode: 3),
            RefusedAsync(RepoPaths.CliDll, ["status", "tls-worker"], wrongPassword, exitCode: 3),
            RefusedAsync(RepoPaths.SiloDll, [], ProcessRunner.StandaloneSilo(untrusted), exitCode: 1),
            RefusedAsync(RepoPaths.SiloDll, [], ProcessRunner.StandaloneSilo(wrongPassword), exitCode: 1));
        var (cliUntrusted, cliWrongPassword, siloUntrusted, siloWrongPassword) = (refusals[0], refusals[1], refusals[2], refusals[3]);

        Assert.All([cliUntrusted, siloUntrusted, cliWrongPassword, siloWrongPassword], e => Assert.Contains($"Redis at 127.0.0.1:{tlsPort} (tls) (password set) (ConnectionStrings:redis)", e));
        Assert.All([cliUntrusted, siloUntrusted], e => Assert.Contains("(ConnectionStrings:redis) over TLS: The remote certificate is invalid", e));
        Assert.All([cliUntrusted, siloUntrusted], e => Assert.Contains("SSL_CERT_FILE=/path/to/ca.pem", e));
        Assert.All([cliWrongPassword, siloWrongPassword], e => Assert.Contains("(ConnectionStrings:redis) refused the password", e));
    }

    /// <summary>Runs the CLI or a silo that must refuse to work, and returns what it said (checked: the exit code, no password).</summary>
    private async Task<string> RefusedAsync(string dll, string[] args, IReadOnlyDictionary<string, string> environment, int exitCode)
    {
        var clock = Stopwatch.StartNew();
        var result = await ProcessRunner.RunAsync(dll, args, environment, Deadline);
        output.WriteLine($"{Path.GetFileName(dll)} {string.Join(' ', args)}: exit {result.ExitCode} after {clock.Elapsed.TotalSeconds:0.0} s: {result.Stderr.Trim()}");
        Assert.True(result.ExitCode == exitCode, $"{Path.GetFileName(dll)} should exit {exitCode}; it exited {result.ExitCode}: {result.Stdout} {result.Stderr}");
        Assert.DoesNotContain(Password, result.Stderr + result.Stdout);
        return result.Stderr;
    }
}
