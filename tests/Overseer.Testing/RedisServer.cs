using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Overseer.Testing;

/// <summary>
/// A private <c>redis-server</c> process on a free loopback port with its own data directory, for tests about
/// persistence, restore and faults. It can be killed and started again on the same port and directory,
/// and then reloads what it had acknowledged from its append-only file.
/// </summary>
/// <remarks>
/// The append-only file uses Redis's default <c>appendfsync everysec</c>: usually each acknowledged command is
/// written to the file before Redis replies, but while a background fsync is slow (a loaded machine) Redis postpones
/// the write for up to 2 s and replies anyway, so a killed process can lose the last second or two. A test that
/// needs every acknowledged write to survive a kill passes <c>--appendfsync always</c>.
/// </remarks>
public sealed class RedisServer : IAsyncDisposable
{
    private const string Executable = "redis-server";
    private const int MaxPortClashRetries = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(2);

    private readonly string[] extraArguments;
    private Process? process;
    private bool everStarted;

    /// <summary>Reserves a port and creates the data directory; call <see cref="StartAsync"/> to run the server.</summary>
    /// <param name="password">When set, the server requires it (<c>requirepass</c>) and <see cref="ConnectionString"/> carries it.</param>
    /// <param name="extraArguments">More redis-server arguments, e.g. <c>["--enable-debug-command", "local"]</c> for a
    /// fault test; passed on every start, after the fixture's own (so they win).</param>
    public RedisServer(string? password = null, IEnumerable<string>? extraArguments = null)
    {
        Password = password;
        this.extraArguments = extraArguments?.ToArray() ?? [];
        Port = PortAllocator.GetFreePort();
        DataDirectory = Directory.CreateTempSubdirectory("overseer-redis-").FullName;
    }

    /// <summary>The loopback port the server listens on; it stays the same across restarts.</summary>
    public int Port { get; private set; }

    /// <summary>The password the server requires, or null.</summary>
    public string? Password { get; }

    /// <summary>The server's working directory (append-only file and log); deleted on dispose.</summary>
    public string DataDirectory { get; }

    /// <summary>The server's output, appended to across restarts.</summary>
    public string LogPath => Path.Combine(DataDirectory, "redis.log");

    /// <summary>A StackExchange.Redis connection string, e.g. <c>127.0.0.1:41234,abortConnect=false</c>.</summary>
    /// <remarks><c>abortConnect=false</c> lets clients created while the server is down connect once it is back.</remarks>
    public string ConnectionString =>
        $"127.0.0.1:{Port},abortConnect=false" + (Password is null ? string.Empty : $",password={Password}");

    /// <summary>Whether the server process is running.</summary>
    public bool IsRunning => process is { HasExited: false };

    /// <summary>Creates a server and starts it.</summary>
    /// <exception cref="InvalidOperationException">redis-server is not installed, or did not start; the message says why.</exception>
    public static Task<RedisServer> StartNewAsync(string? password = null, CancellationToken cancellationToken = default) =>
        StartOrDisposeAsync(new RedisServer(password), cancellationToken);

    /// <summary>Creates a server with more redis-server arguments (see the constructor) and starts it.</summary>
    /// <exception cref="InvalidOperationException">redis-server is not installed, or did not start; the message says why.</exception>
    public static Task<RedisServer> StartNewAsync(IEnumerable<string> extraArguments, CancellationToken cancellationToken = default) =>
        StartOrDisposeAsync(new RedisServer(extraArguments: extraArguments), cancellationToken);

    private static async Task<RedisServer> StartOrDisposeAsync(RedisServer server, CancellationToken cancellationToken)
    {
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts the server, or starts it again after <see cref="KillAsync"/> or <see cref="StopAsync"/> on the same port
    /// and directory, and waits until it answers PING (that is, until it has loaded its append-only file).
    /// </summary>
    /// <exception cref="InvalidOperationException">It is already running, redis-server is not installed, or it exited.</exception>
    /// <exception cref="TimeoutException">It did not answer PING within 15 s.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"redis-server on port {Port} is already running (pid {process!.Id}).");
        }

        var executable = ChildProcesses.FindOnPath(Executable) ?? throw new InvalidOperationException(
            "redis-server is not installed (not found on PATH). Run ./overseer test, which installs it, "
            + "or install it with: apt-get install -y redis-server");

        for (var attempt = 1; ; attempt++)
        {
            var started = Launch(executable);
            var failure = await WaitUntilAnsweringAsync(started, cancellationToken).ConfigureAwait(false);
            if (failure is null)
            {
                everStarted = true;
                return;
            }

            // Another process took the port between PortAllocator releasing it and redis binding it. Only the
            // first start may move: a restart must keep its port, because clients hold the connection string.
            if (!everStarted && attempt < MaxPortClashRetries && failure.Contains("Address already in use", StringComparison.Ordinal))
            {
                Port = PortAllocator.GetFreePort();
                continue;
            }

            throw new InvalidOperationException(failure);
        }
    }

    /// <summary>Kills the server with SIGKILL (a crash: no shutdown work at all) and waits until it has exited.</summary>
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
        ReleaseProcess();
    }

    /// <summary>Freezes the server with SIGSTOP: it keeps its sockets but answers nothing and reads nothing (its
    /// replication link included) until <see cref="Resume"/>.</summary>
    /// <exception cref="InvalidOperationException">It is not running.</exception>
    public void Pause() => PosixSignals.Send(RunningProcess("pause"), PosixSignals.Stop);

    /// <summary>Lets a server frozen by <see cref="Pause"/> go on (SIGCONT).</summary>
    /// <exception cref="InvalidOperationException">It is not running.</exception>
    public void Resume() => PosixSignals.Send(RunningProcess("resume"), PosixSignals.Continue);

    /// <summary>Stops the server gracefully with SIGTERM (Redis flushes its append-only file) and waits until it has exited.</summary>
    /// <exception cref="TimeoutException">It had not exited 10 s after SIGTERM; it has been killed.</exception>
    public async Task StopAsync()
    {
        if (process is not { } running)
        {
            return;
        }

        PosixSignals.Send(running, PosixSignals.Terminate);
        using var deadline = new CancellationTokenSource(ExitTimeout);
        try
        {
            await running.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await KillAsync().ConfigureAwait(false);
            throw new TimeoutException(
                $"redis-server on port {Port} had not exited {ExitTimeout.TotalSeconds:0} s after SIGTERM and was killed. Log tail:{Environment.NewLine}{ReadLogTail()}");
        }

        ReleaseProcess();
    }

    /// <summary>The last lines of the server's log, for failure messages.</summary>
    public string ReadLogTail(int lines = 30) => ChildProcesses.ReadTail(LogPath, lines);

    /// <summary>Kills the server and deletes its data directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover temp directory is harmless; failing the test over it would hide its real result.
        }
    }

    private Process Launch(string executable)
    {
        List<string> arguments =
        [
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--dir", DataDirectory,
            "--appendonly", "yes",
            "--save", string.Empty,
            "--daemonize", "no",
        ];
        if (Password is not null)
        {
            arguments.AddRange(["--requirepass", Password]);
        }

        arguments.AddRange(extraArguments);

        process = ChildProcesses.Start(executable, arguments, LogPath, new Dictionary<string, string?>(), DataDirectory);
        return process;
    }

    /// <summary>Waits until the server answers PING; returns null on success, or why it failed.</summary>
    private async Task<string?> WaitUntilAnsweringAsync(Process started, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var lastReply = "no connection yet";
        while (clock.Elapsed < StartTimeout)
        {
            if (started.HasExited)
            {
                var exitCode = started.ExitCode;
                ReleaseProcess();
                return $"redis-server on port {Port} exited with code {exitCode} while starting. Log tail:{Environment.NewLine}{ReadLogTail()}";
            }

            lastReply = await PingAsync(cancellationToken).ConfigureAwait(false);
            if (lastReply == "+PONG")
            {
                return null;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        await KillAsync().ConfigureAwait(false);
        throw new TimeoutException(
            $"redis-server on port {Port} did not answer PING within {StartTimeout.TotalSeconds:0} s (last reply: {lastReply}). Log tail:{Environment.NewLine}{ReadLogTail()}");
    }

    /// <summary>Sends AUTH (when a password is set) and PING; returns the PING reply line, or the connection error.</summary>
    private async Task<string> PingAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PingTimeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            var request = new StringBuilder();
            if (Password is not null)
            {
                AppendCommand(request, "AUTH", Password);
            }

            AppendCommand(request, "PING");
            await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), timeout.Token).ConfigureAwait(false);

            using var reader = new StreamReader(stream, Encoding.UTF8);
            if (Password is not null)
            {
                var auth = await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false);
                if (auth != "+OK")
                {
                    return $"AUTH answered {auth}";
                }
            }

            return await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false) ?? "connection closed";
        }
        catch (Exception ex) when (ex is SocketException or IOException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return ex.Message;
        }
    }

    private static void AppendCommand(StringBuilder request, params string[] parts)
    {
        request.Append('*').Append(parts.Length).Append("\r\n");
        foreach (var part in parts)
        {
            request.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        }
    }

    private Process RunningProcess(string action) =>
        process is { HasExited: false } running ? running : throw new InvalidOperationException($"cannot {action} redis-server on port {Port}: it is not running");

    private void ReleaseProcess()
    {
        if (process is not null)
        {
            ChildProcesses.Release(process);
            process = null;
        }
    }
}
