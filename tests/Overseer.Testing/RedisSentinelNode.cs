using System.Diagnostics;
using System.Globalization;

namespace Overseer.Testing;

/// <summary>One private Redis Sentinel process (<c>redis-server sentinel.conf --sentinel</c>) on a free loopback port, with
/// its config file in its own temp directory; <see cref="RedisSentinel"/> starts three.</summary>
/// <remarks>Sentinel rewrites its config file as it learns the layout (replicas, other sentinels, epochs), so the file
/// lives in a directory of its own that it can write, and each start writes it afresh from the fixture's settings.</remarks>
internal sealed class RedisSentinelNode : IAsyncDisposable
{
    private const string Executable = "redis-server";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private Process? process;

    public RedisSentinelNode(string? password = null)
    {
        Password = password;
        Port = PortAllocator.GetFreePort();
        Directory = System.IO.Directory.CreateTempSubdirectory("overseer-sentinel-").FullName;
    }

    public int Port { get; }

    /// <summary>What this sentinel requires of its clients and gives the data nodes; null for none.</summary>
    public string? Password { get; }

    public string Directory { get; }

    public string LogPath => Path.Combine(Directory, "sentinel.log");

    public bool IsRunning => process is { HasExited: false };

    /// <summary>Writes the config file monitoring <paramref name="serviceName"/> at <paramref name="primaryPort"/> and starts
    /// the process; returns once it answers PING.</summary>
    /// <exception cref="InvalidOperationException">redis-server is missing or the process exited; the message holds its log.</exception>
    /// <exception cref="TimeoutException">It did not answer PING within 15 s.</exception>
    public async Task StartAsync(string serviceName, int primaryPort, int quorum, CancellationToken cancellationToken)
    {
        var executable = ChildProcesses.FindOnPath(Executable) ?? throw new InvalidOperationException(
            "redis-server is not installed (not found on PATH). Run ./overseer test, which installs it, "
            + "or install it with: apt-get install -y redis-server");
        var config = Path.Combine(Directory, "sentinel.conf");
        var port = Port.ToString(CultureInfo.InvariantCulture);
        await File.WriteAllLinesAsync(config,
        [
            $"port {port}",
            "bind 127.0.0.1",
            $"dir {Directory}",

            // Every process is on loopback: announce 127.0.0.1 to the other sentinels and never resolve host names.
            "sentinel announce-ip 127.0.0.1",
            "sentinel resolve-hostnames no",
            $"sentinel monitor {serviceName} 127.0.0.1 {primaryPort.ToString(CultureInfo.InvariantCulture)} {quorum.ToString(CultureInfo.InvariantCulture)}",

            // A primary silent for 3 s is down. 1 s was too eager on a loaded 2-core machine: a just-promoted primary,
            // busy forking for its replica's full sync beside the tests' load, missed a second of pings and was failed
            // over in turn, a second promotion that lost the writes the first one had taken (seen twice in CI). An
            // election that no sentinel wins (they vote at the same moment) is retried after twice the failover
            // timeout: 4 s here, not the default 6 min.
            $"sentinel down-after-milliseconds {serviceName} 3000",
            $"sentinel failover-timeout {serviceName} 2000",
            $"sentinel parallel-syncs {serviceName} 2",
            .. Password is null ? [] : new[] { $"requirepass {Password}", $"sentinel auth-pass {serviceName} {Password}" },
        ], cancellationToken).ConfigureAwait(false);

        process = ChildProcesses.Start(executable, [config, "--sentinel"], LogPath, new Dictionary<string, string?>(), Directory);
        var clock = Stopwatch.StartNew();
        var last = "no answer yet";
        while (clock.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                var exitCode = process.ExitCode;
                Release();
                throw new InvalidOperationException(
                    $"redis sentinel on port {port} exited with code {exitCode} while starting. Log tail:{Environment.NewLine}{ReadLogTail()}");
            }

            try
            {
                last = (await RedisCli.RunAsync([.. RedisCli.Auth(Password), "-p", port, "ping"], cancellationToken).ConfigureAwait(false)).Trim();
                if (last == "PONG")
                {
                    return;
                }
            }
            catch (InvalidOperationException ex)
            {
                last = ex.Message;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        await KillAsync().ConfigureAwait(false);
        throw new TimeoutException(
            $"redis sentinel on port {port} did not answer PING within {StartTimeout.TotalSeconds:0} s (last: {last}). Log tail:{Environment.NewLine}{ReadLogTail()}");
    }

    /// <summary>Runs a redis-cli command against this sentinel and returns its output.</summary>
    public Task<string> CliAsync(IReadOnlyList<string> command, CancellationToken cancellationToken) =>
        RedisCli.RunAsync([.. RedisCli.Auth(Password), "-p", Port.ToString(CultureInfo.InvariantCulture), .. command], cancellationToken);

    public string ReadLogTail(int lines = 30) => ChildProcesses.ReadTail(LogPath, lines);

    /// <summary>Kills the process with SIGKILL and waits until it has exited.</summary>
    public async Task KillAsync()
    {
        if (process is not { } running)
        {
            return;
        }

        if (!running.HasExited)
        {
            running.Kill();
        }

        await running.WaitForExitAsync().ConfigureAwait(false);
        Release();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover temp directory is harmless; failing the test over it would hide its real result.
        }
    }

    private void Release()
    {
        if (process is not null)
        {
            ChildProcesses.Release(process);
            process = null;
        }
    }
}
