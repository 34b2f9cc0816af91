using System.Diagnostics;
using System.Globalization;

namespace Overseer.Testing;

/// <summary>
/// A private <c>anvil</c> (Foundry's Ethereum node) on a free loopback port with a temp <c>--state</c> file: HTTP and
/// WebSocket JSON-RPC on one port. It can be stopped (SIGTERM: anvil writes its state) and started again on the same
/// port and state, or killed; dispose kills it and deletes the state.
/// </summary>
/// <remarks>The binary is <c>$OVERSEER_ANVIL</c> if set, else <c>tools/anvil/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil</c>
/// (installed by <c>./overseer test</c> and <c>.ci/run</c>: <c>npm ci --prefix tools/anvil</c>), else <c>anvil</c> on PATH.</remarks>
public sealed class AnvilNode : IAsyncDisposable
{
    /// <summary>The environment variable that overrides where the anvil binary is.</summary>
    public const string BinaryVariable = "OVERSEER_ANVIL";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);
    private readonly int? blockTimeSeconds;
    private Process? process;

    private AnvilNode(int? blockTimeSeconds)
    {
        this.blockTimeSeconds = blockTimeSeconds;
        Port = PortAllocator.GetFreePort();
        DataDirectory = Directory.CreateTempSubdirectory("overseer-anvil-").FullName;
        Rpc = new EvmRpc(HttpUrl);
    }

    /// <summary>The loopback port (HTTP and WebSocket); the same across restarts.</summary>
    public int Port { get; }

    public string DataDirectory { get; }

    public string StatePath => Path.Combine(DataDirectory, "state.json");

    public string LogPath => Path.Combine(DataDirectory, "anvil.log");

    public string HttpUrl => $"http://127.0.0.1:{Port}";

    public string WsUrl => $"ws://127.0.0.1:{Port}";

    /// <summary>JSON-RPC calls to this node, for arranging and checking tests.</summary>
    public EvmRpc Rpc { get; }

    public bool IsRunning => process is { HasExited: false };

    /// <summary>The anvil binary the fixture runs.</summary>
    public static string Binary
    {
        get
        {
            if (Environment.GetEnvironmentVariable(BinaryVariable) is { Length: > 0 } overridden)
            {
                return File.Exists(overridden) ? overridden : throw new InvalidOperationException($"{BinaryVariable}='{overridden}' does not exist");
            }

            var installed = Path.Combine(RepoPaths.Root, "tools", "anvil", "node_modules", "@foundry-rs", "anvil-linux-amd64", "bin", "anvil");
            return File.Exists(installed) ? installed
                : ChildProcesses.FindOnPath("anvil") ?? throw new InvalidOperationException(
                    $"anvil is not installed: run 'npm ci --prefix tools/anvil' in the repository (or ./overseer test, which does), or set {BinaryVariable} to its path (looked for {installed} and anvil on PATH)");
        }
    }

    /// <summary>Starts a node mining a block every <paramref name="blockTimeSeconds"/> s; null = only on demand
    /// (a transaction, or <see cref="EvmRpc.MineAsync"/>), for tests that must control the head exactly.</summary>
    public static async Task<AnvilNode> StartNewAsync(int? blockTimeSeconds = 1, CancellationToken cancellationToken = default)
    {
        var node = new AnvilNode(blockTimeSeconds);
        try
        {
            await node.StartAsync(cancellationToken).ConfigureAwait(false);
            return node;
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts the node (again), loading its state file if it has one, and waits until it answers.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"anvil on port {Port} is already running (pid {process!.Id})");
        }

        List<string> arguments = ["--host", "127.0.0.1", "--port", Port.ToString(CultureInfo.InvariantCulture), "--state", StatePath];
        if (blockTimeSeconds is { } seconds)
        {
            arguments.AddRange(["--block-time", seconds.ToString(CultureInfo.InvariantCulture)]);
        }

        process = ChildProcesses.Start(
            Binary,
            arguments,
            LogPath,
            new Dictionary<string, string?>(),
            DataDirectory);
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (clock.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"anvil on port {Port} exited with code {process.ExitCode} while starting. Log tail:{Environment.NewLine}{ChildProcesses.ReadTail(LogPath, 30)}");
            }

            try
            {
                await Rpc.BlockNumberAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                last = ex;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"anvil on port {Port} did not answer eth_blockNumber within {StartTimeout.TotalSeconds:0} s (last error: {last?.Message}). Log tail:{Environment.NewLine}{ChildProcesses.ReadTail(LogPath, 30)}");
    }

    /// <summary>SIGTERM (anvil dumps its state to the state file) and waits for the exit.</summary>
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
            throw new TimeoutException($"anvil on port {Port} had not exited {ExitTimeout.TotalSeconds:0} s after SIGTERM and was killed");
        }

        ChildProcesses.Release(running);
        process = null;
    }

    /// <summary>SIGKILL: nothing written since the last state dump survives.</summary>
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
        ChildProcesses.Release(running);
        process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        Rpc.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover temp directory is harmless.
        }
    }
}
