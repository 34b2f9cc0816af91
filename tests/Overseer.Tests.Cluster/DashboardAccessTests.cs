using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Overseer.Testing;

namespace Overseer.Tests.Cluster;

/// <summary>The dashboard and the worker view are loopback-only unless protected: a silo bound to a public address
/// without credentials refuses to start, and with credentials both pages demand them while health stays open.</summary>
public sealed class DashboardAccessTests
{
    private const string Password = "pw-7f3c9a1e-never-logged";
    private const string ApiKey = "key-2b8d4e6f0a1c3e5g-never-logged";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly string[] GuardedPaths = ["/dashboard/", "/dashboard/DashboardCounters", "/workers", "/workers/api"];

    private static Task<ProcessRunner.Result> RunSiloAsync(params (string Key, string Value)[] settings)
    {
        var environment = new Dictionary<string, string>
        {
            // Unreachable on purpose: the dashboard check must refuse before anything connects.
            ["ConnectionStrings__redis"] = "127.0.0.1:1,connectTimeout=500",
            ["Urls"] = $"http://0.0.0.0:{PortAllocator.GetFreePort()}",
            ["Orleans__Endpoints__SiloPort"] = PortAllocator.GetFreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__GatewayPort"] = PortAllocator.GetFreePort().ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        return ProcessRunner.RunAsync(RepoPaths.SiloDll, [], environment, TimeSpan.FromSeconds(60));
    }

    private static async Task<SiloProcess> StartPublicSiloAsync(RedisServer redis, params (string Key, string Value)[] settings)
    {
        var httpPort = PortAllocator.GetFreePort();
        var environment = new Dictionary<string, string> { ["Urls"] = $"http://0.0.0.0:{httpPort}" };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        return await SiloProcess.StartReadyAsync(new SiloProcessOptions
        {
            Name = "public",
            RedisConnectionString = redis.ConnectionString,
            ClusterId = $"dash-{Guid.NewGuid():N}",
            ServiceId = $"dash-{Guid.NewGuid():N}",
            HttpPort = httpPort,
            ExtraEnvironment = environment,
        }, ReadyTimeout);
    }

    private static async Task<HttpStatusCode> GetAsync(HttpClient http, Uri uri, Action<HttpRequestHeaders>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        headers?.Invoke(request.Headers);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    [Fact]
    public async Task Start_PublicUrlsWithoutCredentials_ExitsNamingTheDashboardKeys()
    {
        var result = await RunSiloAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Urls binds http://0.0.0.0:", result.Stderr);
        Assert.Contains("which is not loopback, and no dashboard credentials are set", result.Stderr);
        Assert.Contains("Overseer:Dashboard:Username and Overseer:Dashboard:Password", result.Stderr);
        Assert.Contains("Overseer:Dashboard:ApiKey", result.Stderr);
        Assert.Contains("Overseer:Dashboard:AllowAnonymous=true", result.Stderr);
        Assert.DoesNotContain("Unhandled exception", result.Stderr);
    }

    [Theory]
    [InlineData("Overseer__Dashboard__Password", Password, "Overseer:Dashboard:Username is not set: Overseer:Dashboard:Username and Overseer:Dashboard:Password go together")]
    [InlineData("Overseer__Dashboard__ApiKey", "short-key", "Overseer:Dashboard:ApiKey is set but too weak or malformed: expected at least 16 characters without whitespace")]
    [InlineData("Overseer__Dashboard__AllowAnonymous", "sometimes", "Overseer:Dashboard:AllowAnonymous is 'sometimes': expected true or false")]
    [InlineData("Overseer__Dashboard__Pasword", Password, "Overseer:Dashboard:Pasword is not a known setting; valid keys under Overseer:Dashboard: AllowAnonymous, ApiKey, Password, Username")]
    public async Task Start_BadDashboardSetting_ExitsNamingTheKey_WithoutTheSecret(string key, string value, string expected)
    {
        var result = await RunSiloAsync((key, value));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.Stderr);
        if (key.EndsWith("Password", StringComparison.Ordinal))
        {
            Assert.DoesNotContain(Password, result.Stderr + result.Stdout);
        }
    }

    [Fact]
    public async Task Start_PublicUrlsWithAllowAnonymous_StartsAndServesBothPagesWithoutCredentials()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var silo = await StartPublicSiloAsync(redis, ("Overseer__Dashboard__AllowAnonymous", "true"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        foreach (var path in GuardedPaths)
        {
            Assert.Equal(HttpStatusCode.OK, await GetAsync(http, new Uri(silo.HttpAddress, path)));
        }
    }

    [Fact]
    public async Task PublicSiloWithCredentials_Pages_Answer401WithoutAnd200WithCredentials_HealthStaysOpen()
    {
        await using var redis = await RedisServer.StartNewAsync();
        await using var silo = await StartPublicSiloAsync(
            redis,
            ("Overseer__Dashboard__Username", "ops"),
            ("Overseer__Dashboard__Password", Password),
            ("Overseer__Dashboard__ApiKey", ApiKey));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        foreach (var path in GuardedPaths)
        {
            var uri = new Uri(silo.HttpAddress, path);
            using (var anonymous = await http.GetAsync(uri))
            {
                Assert.True(anonymous.StatusCode == HttpStatusCode.Unauthorized, $"{path} without credentials: {anonymous.StatusCode}");
                Assert.Contains(anonymous.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
            }

            Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(http, uri, h => h.Authorization = Basic("ops", "wrong")));
            Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(http, uri, h => h.Authorization = Basic("other", Password)));
            Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(http, uri, h => h.Add("X-Api-Key", ApiKey + "x")));
            Assert.Equal(HttpStatusCode.OK, await GetAsync(http, uri, h => h.Authorization = Basic("ops", Password)));
            Assert.Equal(HttpStatusCode.OK, await GetAsync(http, uri, h => h.Add("X-Api-Key", ApiKey)));
            Assert.Equal(HttpStatusCode.OK, await GetAsync(http, uri, h => h.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey)));
        }

        Assert.Equal(HttpStatusCode.OK, await GetAsync(http, new Uri(silo.HttpAddress, "/health/live")));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(http, new Uri(silo.HttpAddress, "/health/ready")));
        // The console logger writes on its own thread: wait for the refusals to reach the log file.
        var log = await Eventually.UntilAsync(
            () => File.ReadAllTextAsync(silo.LogPath),
            l => l.Contains("refused: wrong basic credentials", StringComparison.Ordinal),
            ReadyTimeout,
            l => $"the silo log ({silo.LogPath}) to record a refused request; its tail: {silo.ReadLogTail(10)}");
        Assert.DoesNotContain(Password, log);
        Assert.DoesNotContain(ApiKey, log);
    }
}
