using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Overseer.Testing;

/// <summary>
/// A real reference event source process (<c>dotnet Overseer.ReferenceSource.dll</c>) on a loopback port: the
/// external system that workers index. It can be killed (SIGKILL) and started again on the same port, and its
/// faults (<c>ws-drop</c>, <c>ws-stall</c>, <c>http-500</c>, <c>http-slow</c>) injected over HTTP.
/// </summary>
/// <remarks>
/// Feeds live in the process's memory: after <see cref="RestartAsync"/> every feed starts again from seq 1, with the
/// same payloads (they depend only on feed and seq) but new timestamps. Output goes to <see cref="LogPath"/>, in a
/// temp directory kept after the test, and appended to across restarts.
/// </remarks>
public sealed class ReferenceSourceProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan ReadyPollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan RestartReadyTimeout = TimeSpan.FromSeconds(15);

    private Process process;
    private bool disposed;

    private ReferenceSourceProcess(int rate, int port, int heartbeatMs, DateTimeOffset? epoch, string logPath)
    {
        Rate = rate;
        Port = port;
        HeartbeatMs = heartbeatMs;
        Epoch = epoch;
        LogPath = logPath;
        process = Launch();
    }

    /// <summary>Every feed's seq 0 (<c>--epoch</c>), kept across <see cref="RestartAsync"/>; null = each feed's first use.</summary>
    public DateTimeOffset? Epoch { get; }

    /// <summary>Events per second per feed (<c>--rate</c>).</summary>
    public int Rate { get; }

    /// <summary>The HTTP port on 127.0.0.1; kept across <see cref="RestartAsync"/>.</summary>
    public int Port { get; }

    /// <summary>The WebSocket heartbeat interval in milliseconds (<c>--heartbeat-ms</c>).</summary>
    public int HeartbeatMs { get; }

    /// <summary>The base address, e.g. <c>http://127.0.0.1:41235/</c>.</summary>
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    /// <summary>The file receiving the process's stdout and stderr.</summary>
    public string LogPath { get; }

    /// <summary>The operating-system id of the current process.</summary>
    public int ProcessId => process.Id;

    /// <summary>Whether the current process has exited.</summary>
    public bool HasExited => process.HasExited;

    /// <summary>Launches the reference source. It is not ready yet: await <see cref="WaitReadyAsync"/>.</summary>
    /// <param name="rate">Events per second per feed, 1..100000.</param>
    /// <param name="port">The loopback port; 0 picks a free one.</param>
    /// <param name="heartbeatMs">The WebSocket heartbeat interval, 10..60000 ms.</param>
    /// <exception cref="FileNotFoundException">It has not been built; the message says how to build it.</exception>
    /// <param name="epoch">Every feed's seq 0 (<c>--epoch</c>, whole seconds); heads then survive a restart.</param>
    public static ReferenceSourceProcess Start(int rate = 50, int port = 0, int heartbeatMs = 500, DateTimeOffset? epoch = null)
    {
        var logPath = Path.Combine(Directory.CreateTempSubdirectory("overseer-feed-").FullName, "feed.log");
        return new ReferenceSourceProcess(rate, port == 0 ? PortAllocator.GetFreePort() : port, heartbeatMs, epoch, logPath);
    }

    /// <summary>The feed's address, <c>http://127.0.0.1:{Port}/feeds/{feed}</c>; append <c>/events</c> or <c>/stream</c>.</summary>
    public string FeedUrl(string feed) => $"http://127.0.0.1:{Port}/feeds/{Uri.EscapeDataString(feed)}";

    /// <summary>The feed's WebSocket address, <c>ws://127.0.0.1:{Port}/feeds/{feed}/stream?after={after}</c>.</summary>
    public Uri StreamUri(string feed, long after = 0) =>
        new($"ws://127.0.0.1:{Port}/feeds/{Uri.EscapeDataString(feed)}/stream?after={after.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>Polls <c>GET /health</c> until it answers 200.</summary>
    /// <exception cref="InvalidOperationException">The process exited first (e.g. a bad argument); the message holds the log tail.</exception>
    /// <exception cref="TimeoutException">It was not ready in time; the message holds the last answer and the log tail.</exception>
    public Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        HttpReadiness.WaitAsync(Http, new Uri(BaseAddress, "health"), process, $"The reference source on port {Port}", LogPath, () => ReadLogTail(), timeout, ReadyPollInterval, cancellationToken);

    /// <summary>Kills the process with SIGKILL (open sockets die without a close handshake) and waits until it has exited.</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill();
        }

        process.WaitForExit();
    }

    /// <summary>Kills the process if it still runs, starts a new one on the same port and settings, and waits until it is ready.</summary>
    /// <exception cref="ObjectDisposedException">The fixture has been disposed.</exception>
    public async Task RestartAsync()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        Kill();
        ChildProcesses.Release(process);
        process = Launch();
        await WaitReadyAsync(RestartReadyTimeout).ConfigureAwait(false);
    }

    /// <summary>Sets a fault for <paramref name="seconds"/> (1..3600) on one feed, or on every feed when <paramref name="feed"/> is null.</summary>
    /// <param name="mode"><c>ws-drop</c>, <c>ws-stall</c>, <c>http-500</c> or <c>http-slow</c>.</param>
    /// <exception cref="InvalidOperationException">The source refused it; the message holds its answer.</exception>
    public async Task InjectFaultAsync(string mode, int seconds, string? feed = null)
    {
        using var response = await Http.PostAsJsonAsync(new Uri(BaseAddress, "faults"), new { mode, seconds, feed }, Json).ConfigureAwait(false);
        await EnsureStatusAsync(response, HttpStatusCode.Created, $"POST /faults {mode} for {seconds} s on feed {feed ?? "*"}").ConfigureAwait(false);
    }

    /// <summary>Ends every fault now (<c>DELETE /faults</c>).</summary>
    public async Task ClearFaultsAsync()
    {
        using var response = await Http.DeleteAsync(new Uri(BaseAddress, "faults")).ConfigureAwait(false);
        await EnsureStatusAsync(response, HttpStatusCode.NoContent, "DELETE /faults").ConfigureAwait(false);
    }

    /// <summary>The server-side counters (<c>GET /stats</c>).</summary>
    public async Task<ReferenceSourceStats> GetStatsAsync() =>
        await Http.GetFromJsonAsync<ReferenceSourceStats>(new Uri(BaseAddress, "stats"), Json).ConfigureAwait(false)
            ?? throw new InvalidOperationException("GET /stats answered null.");

    /// <summary>Starts a new measurement of <see cref="ReferenceSourceStats.MaxInFlightHttp"/> (<c>DELETE /stats</c>).</summary>
    public async Task ResetMaxInFlightAsync()
    {
        using var response = await Http.DeleteAsync(new Uri(BaseAddress, "stats")).ConfigureAwait(false);
        await EnsureStatusAsync(response, HttpStatusCode.NoContent, "DELETE /stats").ConfigureAwait(false);
    }

    /// <summary>The feed's current head (<c>GET /feeds/{feed}</c>); the first call for a feed starts its clock.</summary>
    public async Task<long> GetHeadAsync(string feed)
    {
        using var response = await Http.GetAsync(FeedUrl(feed)).ConfigureAwait(false);
        await EnsureStatusAsync(response, HttpStatusCode.OK, $"GET /feeds/{feed}").ConfigureAwait(false);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false));
        return body.RootElement.GetProperty("head").GetInt64();
    }

    /// <summary>The last lines of the log, for failure messages.</summary>
    public string ReadLogTail(int lines = 60) => ChildProcesses.ReadTail(LogPath, lines);

    /// <summary>Kills the process if it is still running. The log is kept.</summary>
    public ValueTask DisposeAsync()
    {
        if (!disposed)
        {
            disposed = true;
            Kill();
            ChildProcesses.Release(process);
        }

        return ValueTask.CompletedTask;
    }

    private Process Launch()
    {
        var dll = RepoPaths.ReferenceSourceDll;
        string[] arguments =
        [
            dll,
            "--rate", Rate.ToString(CultureInfo.InvariantCulture),
            "--urls", $"http://127.0.0.1:{Port}",
            "--heartbeat-ms", HeartbeatMs.ToString(CultureInfo.InvariantCulture),
            .. Epoch is { } epoch ? new[] { "--epoch", epoch.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) } : [],
        ];
        var environment = new Dictionary<string, string?>
        {
            // --urls decides; inherited ASP.NET Core endpoint settings would only add warnings.
            ["ASPNETCORE_URLS"] = null,
            ["ASPNETCORE_HTTP_PORTS"] = null,
            ["ASPNETCORE_HTTPS_PORTS"] = null,
        };
        return ChildProcesses.Start(FindDotnet(), arguments, LogPath, environment, Path.GetDirectoryName(dll)!);
    }

    private async Task EnsureStatusAsync(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            throw new InvalidOperationException(
                $"{what} on the reference source at port {Port} answered {(int)response.StatusCode} {response.StatusCode}, expected {(int)expected}: {body}");
        }
    }

    private static string FindDotnet()
    {
        // The SDK points DOTNET_HOST_PATH at the dotnet that runs the tests; use the same one.
        var hostPath = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(hostPath) && File.Exists(hostPath) ? hostPath : "dotnet";
    }
}
