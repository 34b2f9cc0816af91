using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Overseer.Testing;

/// <summary>
/// A real silo process (<c>dotnet Overseer.Silo.dll</c>) for crash and failure-detection tests: unlike an
/// in-process test silo, <see cref="Kill"/> is a real crash in which no shutdown code runs.
/// </summary>
/// <remarks>Its output goes to <see cref="LogPath"/>, in a temp directory kept after the test for post-mortems.</remarks>
public sealed class SiloProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private static readonly TimeSpan ReadyPollInterval = TimeSpan.FromMilliseconds(100);

    // What glibc prints before it aborts a process whose native heap it found corrupted ("corrupted size vs. prev_size",
    // "double free or corruption (out)", "free(): invalid pointer", "malloc(): unsorted double linked list corrupted").
    private static readonly Regex GlibcHeapAbort = new(
        @"^(corrupted |double free or corruption|(free|malloc|realloc|malloc_consolidate)\(\): )", RegexOptions.Multiline | RegexOptions.CultureInvariant);

    /// <summary>The exit code of a process ended by SIGABRT (128 + 6).</summary>
    private const int AbortExitCode = 134;

    private readonly Process process;
    private bool disposed;

    private SiloProcess(SiloProcessOptions options, Process process, string logPath)
    {
        Options = options;
        this.process = process;
        LogPath = logPath;
        ProcessId = process.Id;
    }

    /// <summary>The options it was started with, with the chosen ports filled in.</summary>
    public SiloProcessOptions Options { get; }

    /// <summary>The label from <see cref="SiloProcessOptions.Name"/>.</summary>
    public string Name => Options.Name;

    /// <summary>The silo-to-silo port.</summary>
    public int SiloPort => Options.SiloPort;

    /// <summary>The client gateway port.</summary>
    public int GatewayPort => Options.GatewayPort;

    /// <summary>The HTTP port.</summary>
    public int HttpPort => Options.HttpPort;

    /// <summary>The silo's address as it appears in membership, <c>127.0.0.1:{SiloPort}</c>.</summary>
    public string SiloEndpoint => $"127.0.0.1:{SiloPort}";

    /// <summary>The HTTP base address, e.g. <c>http://127.0.0.1:41235</c>.</summary>
    public Uri HttpAddress => new($"http://127.0.0.1:{HttpPort}");

    /// <summary>The file receiving the silo's stdout and stderr.</summary>
    public string LogPath { get; }

    /// <summary>The operating-system process id.</summary>
    public int ProcessId { get; }

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => process.HasExited;

    /// <summary>
    /// Whether the process died because glibc found its native heap corrupted and aborted it (exit 134 and glibc's message
    /// in the log). Overseer has no native code of its own, so this is the .NET host's or runtime's fault, not the
    /// product's; a managed crash (an unhandled exception) is never taken for it. A crash dump, if the runtime could write
    /// one, is beside the log (<c>silo.PID.dmp</c>).
    /// </summary>
    public bool AbortedOnNativeHeapCorruption => process.HasExited && IsNativeHeapAbort(process.ExitCode, ReadLogTail(20));

    /// <summary>The rule behind <see cref="AbortedOnNativeHeapCorruption"/>: exit 134 (SIGABRT) with glibc's heap-corruption
    /// message on a line of its own in the log's last lines (createdump's own lines follow it when it writes a dump).</summary>
    public static bool IsNativeHeapAbort(int exitCode, string logTail) =>
        exitCode == AbortExitCode && GlibcHeapAbort.IsMatch(logTail);

    /// <summary>Launches the silo. It is not ready yet: await <see cref="WaitReadyAsync"/>.</summary>
    /// <exception cref="FileNotFoundException">The silo has not been built; the message says how to build it.</exception>
    public static SiloProcess Start(SiloProcessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var siloDll = options.HostDll ?? RepoPaths.SiloDll;
        var resolved = options with
        {
            SiloPort = options.SiloPort == 0 ? PortAllocator.GetFreePort() : options.SiloPort,
            GatewayPort = options.GatewayPort == 0 ? PortAllocator.GetFreePort() : options.GatewayPort,
            HttpPort = options.HttpPort == 0 ? PortAllocator.GetFreePort() : options.HttpPort,
        };

        var logDirectory = Directory.CreateTempSubdirectory($"overseer-{resolved.Name}-").FullName;
        var logPath = Path.Combine(logDirectory, "silo.log");

        // ASP.NET Core takes its content root (where appsettings.json is found) from the current directory.
        var process = ChildProcesses.Start(
            FindDotnet(), [siloDll], logPath, BuildEnvironment(resolved, logDirectory), Path.GetDirectoryName(siloDll)!);
        return new SiloProcess(resolved, process, logPath);
    }

    /// <summary>
    /// Starts a silo and waits until it is ready. A silo that dies before it is ready because the native heap of the .NET
    /// runtime was corrupted (<see cref="AbortedOnNativeHeapCorruption"/>: once in thousands of starts on CI, with no line
    /// of the silo's own logged yet) is started once more on the same ports, and the first one's log is named on stderr;
    /// any other death before ready, or a second one, fails as <see cref="WaitReadyAsync"/> does.
    /// </summary>
    /// <param name="started">Called with each process as it starts, before the wait, so that the caller owns it whatever
    /// happens; the second argument is the aborted process the new one replaces (null for the first). Null: the caller
    /// owns only the process returned, and one that was not ready is disposed here.</param>
    public static async Task<SiloProcess> StartReadyAsync(
        SiloProcessOptions options, TimeSpan timeout, Action<SiloProcess, SiloProcess?>? started = null, CancellationToken cancellationToken = default)
    {
        SiloProcess? aborted = null;
        while (true)
        {
            var silo = Start(aborted?.Options ?? options);
            started?.Invoke(silo, aborted);
            if (aborted is not null)
            {
                await aborted.DisposeAsync().ConfigureAwait(false);
            }

            try
            {
                await silo.WaitReadyAsync(timeout, cancellationToken).ConfigureAwait(false);
                return silo;
            }
            catch (InvalidOperationException) when (aborted is null && silo.AbortedOnNativeHeapCorruption)
            {
                await Console.Error.WriteLineAsync(
                    $"{silo.Name} was aborted by glibc (native heap corruption in the .NET runtime) before it was ready; starting it once more. Its log: {silo.LogPath}").ConfigureAwait(false);
                aborted = silo;
            }
            catch when (started is null)
            {
                await silo.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Polls <c>GET /health/ready</c> until it answers 200.</summary>
    /// <exception cref="InvalidOperationException">The process exited first; the message holds the log tail.</exception>
    /// <exception cref="TimeoutException">It was not ready in time; the message holds the last answer and the log tail.</exception>
    public Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        HttpReadiness.WaitAsync(Http, new Uri(HttpAddress, "/health/ready"), process, Name, LogPath, () => ReadLogTail(), timeout, ReadyPollInterval, cancellationToken);

    /// <summary>Kills the process with SIGKILL, a real crash, and waits until it has exited.</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill();
        }

        process.WaitForExit();
    }

    /// <summary>Sends SIGTERM (graceful shutdown) and waits for the process to exit.</summary>
    /// <returns>The exit code.</returns>
    /// <exception cref="TimeoutException">It had not exited within <paramref name="timeout"/>; it has been killed.</exception>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        PosixSignals.Send(process, PosixSignals.Terminate);
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException(
                $"{Name} had not exited {timeout.TotalSeconds:0.#} s after SIGTERM and was killed. Log tail ({LogPath}):{Environment.NewLine}{ReadLogTail()}");
        }

        return process.ExitCode;
    }

    /// <summary>Freezes the process with SIGSTOP: a hung silo, which failure detection must find by missed probes.</summary>
    public void Suspend() => PosixSignals.Send(process, PosixSignals.Stop);

    /// <summary>Resumes a process frozen by <see cref="Suspend"/> (SIGCONT).</summary>
    public void Resume() => PosixSignals.Send(process, PosixSignals.Continue);

    /// <summary>The last lines of the silo's log, for failure messages.</summary>
    public string ReadLogTail(int lines = 60) => ChildProcesses.ReadTail(LogPath, lines);

    /// <summary>Kills the process if it is still running. The log is kept.</summary>
    /// <remarks>A crash dump is kept only where the log cannot explain the death: a managed one (an unhandled exception,
    /// or Orleans failing fast when it finds itself declared dead after a freeze, which fault tests cause on purpose)
    /// has its reason and stack in the log, and its dump (tens of MB) is deleted.</remarks>
    public ValueTask DisposeAsync()
    {
        if (!disposed)
        {
            disposed = true;
            Kill(); // SIGKILL also ends a process frozen by Suspend.
            ChildProcesses.Release(process);
            DeleteDumpsOfManagedDeaths();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The lines .NET writes when managed code ends the process: an unhandled exception, or
    /// <c>Environment.FailFast</c>.</summary>
    public static bool IsManagedDeath(string logLine) =>
        logLine.StartsWith("Unhandled exception.", StringComparison.Ordinal) || logLine.StartsWith("Process terminated.", StringComparison.Ordinal);

    private void DeleteDumpsOfManagedDeaths()
    {
        var directory = Path.GetDirectoryName(LogPath)!;
        var dumps = Directory.GetFiles(directory, "silo.*.dmp");
        if (dumps.Length == 0 || !File.ReadLines(LogPath).Any(IsManagedDeath))
        {
            return;
        }

        foreach (var dump in dumps)
        {
            File.Delete(dump);
        }
    }

    private static Dictionary<string, string?> BuildEnvironment(SiloProcessOptions options, string logDirectory)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = options.RedisConnectionString,
            ["Orleans__ClusterId"] = options.ClusterId,
            ["Orleans__ServiceId"] = options.ServiceId,
            ["Orleans__Endpoints__SiloPort"] = options.SiloPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__GatewayPort"] = options.GatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__AdvertisedIPAddress"] = "127.0.0.1",
            ["Urls"] = $"http://127.0.0.1:{options.HttpPort}",

            // Inherited ASP.NET Core endpoint settings would compete with Urls.
            ["ASPNETCORE_URLS"] = null,
            ["ASPNETCORE_HTTP_PORTS"] = null,
            ["ASPNETCORE_HTTPS_PORTS"] = null,

            // A crash leaves a mini dump beside the log for the post-mortem (kept only where the log cannot explain it).
            ["DOTNET_DbgEnableMiniDump"] = "1",
            ["DOTNET_DbgMiniDumpType"] = "1",
            ["DOTNET_DbgMiniDumpName"] = Path.Combine(logDirectory, "silo.%p.dmp"),
        };
        foreach (var (name, value) in options.ExtraEnvironment)
        {
            environment[name] = value;
        }

        return environment;
    }

    private static string FindDotnet()
    {
        // The SDK points DOTNET_HOST_PATH at the dotnet that runs the tests; use the same one for the silo.
        var hostPath = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(hostPath) && File.Exists(hostPath) ? hostPath : "dotnet";
    }
}
