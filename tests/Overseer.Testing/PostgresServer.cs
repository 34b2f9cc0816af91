using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Overseer.Testing;

/// <summary>
/// A private PostgreSQL server (<c>initdb</c> + <c>postgres</c>) on a free loopback port with its own data directory,
/// for tests of the PostgreSQL output. It can be stopped, killed with SIGKILL, paused with SIGSTOP, and started again
/// on the same port and directory, where crash recovery replays the write-ahead log.
/// </summary>
/// <remarks>
/// <para>The binaries come from <c>pg_config --bindir</c>, else the newest <c>/usr/lib/postgresql/*/bin</c> (Debian's
/// layout), else PATH; <c>apt-get install -y postgresql</c> provides them. The cluster Debian's package creates and
/// starts on port 5432 is neither used nor touched.</para>
/// <para>PostgreSQL refuses to run as root. When the tests run as root, <c>initdb</c> and the server run as the
/// <c>postgres</c> OS user (created by Debian's package) through <c>setpriv</c>, and the temp directory is given to
/// that user, so the directory it lives in must be traversable by it (the default <c>/tmp</c> is).</para>
/// <para>The bootstrap superuser is <see cref="Username"/> with <see cref="Password"/>. TCP connections authenticate
/// with <c>scram-sha-256</c>, so <see cref="ConnectionString"/> exercises the password; the unix socket (in
/// <see cref="DataDirectory"/>) is trusted. <c>fsync</c> stays on, so commits are as durable as in production.</para>
/// </remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    /// <summary>The superuser role the fixture creates.</summary>
    public const string DefaultUsername = "overseer";

    /// <summary>The database every cluster starts with; <see cref="ConnectionString"/> points at it.</summary>
    public const string DefaultDatabase = "postgres";

    private const string ServiceUser = "postgres";
    private const int MaxPortClashRetries = 3;
    private const int MaxIdentifierBytes = 63;
    private static readonly TimeSpan InitTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan SignalTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    // PublicationOnly: a failed lookup is not cached, so installing PostgreSQL mid-run is noticed.
    private static readonly Lazy<string> Binaries = new(FindBinDirectory, LazyThreadSafetyMode.PublicationOnly);

    private readonly string[] extraSettings;
    private Process? process;
    private bool everStarted;

    /// <summary>Reserves a port and creates the temp directory; call <see cref="StartAsync"/> to create and run the cluster.</summary>
    /// <param name="password">The superuser's password; a random one when null.</param>
    /// <param name="extraSettings">More server settings as <c>name=value</c>, e.g. <c>["synchronous_commit=off"]</c>;
    /// passed as <c>-c</c> on every start, after the fixture's own (so they win).</param>
    public PostgresServer(string? password = null, IEnumerable<string>? extraSettings = null)
    {
        Password = password ?? RandomNumberGenerator.GetHexString(32, lowercase: true);
        this.extraSettings = extraSettings?.ToArray() ?? [];
        Port = PortAllocator.GetFreePort();
        DataDirectory = Directory.CreateTempSubdirectory("overseer-postgres-").FullName;
    }

    /// <summary>The loopback port the server listens on; it stays the same across restarts.</summary>
    public int Port { get; private set; }

    /// <summary>The superuser role, <see cref="DefaultUsername"/>.</summary>
    public string Username => DefaultUsername;

    /// <summary>The superuser's password.</summary>
    public string Password { get; }

    /// <summary>The fixture's temp directory: the cluster, the unix socket and the log; deleted on dispose.</summary>
    public string DataDirectory { get; }

    /// <summary>The cluster's data directory (<c>PGDATA</c>), inside <see cref="DataDirectory"/>.</summary>
    public string ClusterDirectory => Path.Combine(DataDirectory, "data");

    /// <summary>The output of <c>initdb</c> and the server, appended to across restarts.</summary>
    public string LogPath => Path.Combine(DataDirectory, "postgres.log");

    /// <summary>An Npgsql connection string for <see cref="DefaultDatabase"/>, e.g.
    /// <c>Host=127.0.0.1;Port=41234;Database=postgres;Username=overseer;Password=…</c>.</summary>
    public string ConnectionString => GetConnectionString(DefaultDatabase);

    /// <summary>Whether the server process (the postmaster) is running; a paused server is running.</summary>
    public bool IsRunning => process is { HasExited: false };

    /// <summary>Whether the server is paused by <see cref="PauseAsync"/>.</summary>
    public bool IsPaused { get; private set; }

    /// <summary>Creates a server and starts it.</summary>
    /// <exception cref="InvalidOperationException">PostgreSQL is not installed, or did not start; the message says why.</exception>
    public static Task<PostgresServer> StartNewAsync(string? password = null, CancellationToken cancellationToken = default) =>
        StartOrDisposeAsync(new PostgresServer(password), cancellationToken);

    /// <summary>Creates a server with more settings (see the constructor) and starts it.</summary>
    /// <exception cref="InvalidOperationException">PostgreSQL is not installed, or did not start; the message says why.</exception>
    public static Task<PostgresServer> StartNewAsync(IEnumerable<string> extraSettings, CancellationToken cancellationToken = default) =>
        StartOrDisposeAsync(new PostgresServer(extraSettings: extraSettings), cancellationToken);

    private static async Task<PostgresServer> StartOrDisposeAsync(PostgresServer server, CancellationToken cancellationToken)
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

    /// <summary>An Npgsql connection string for <paramref name="database"/> on this server, with the superuser's password.</summary>
    public string GetConnectionString(string database)
    {
        ArgumentException.ThrowIfNullOrEmpty(database);
        return new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Database = database,
            Username = Username,
            Password = Password,
        }.ConnectionString;
    }

    /// <summary>
    /// Starts the server, or starts it again after <see cref="KillAsync"/> or <see cref="StopAsync"/> on the same port
    /// and directory (after a kill it first recovers from the write-ahead log), and waits until a password connection
    /// over TCP runs <c>SELECT 1</c>. The first start creates the cluster with <c>initdb</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">It is already running, PostgreSQL is not installed, initdb failed, or the server exited.</exception>
    /// <exception cref="TimeoutException">initdb did not finish within 60 s, or the server did not answer within 30 s.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"postgres on port {Port} is already running (pid {process!.Id}).");
        }

        var binaries = Binaries.Value;
        var account = ServiceAccount();
        if (!File.Exists(Path.Combine(ClusterDirectory, "PG_VERSION")))
        {
            await InitializeClusterAsync(binaries, account, cancellationToken).ConfigureAwait(false);
        }

        for (var attempt = 1; ; attempt++)
        {
            var started = Launch(binaries, account);
            var failure = await WaitUntilAnsweringAsync(started, cancellationToken).ConfigureAwait(false);
            if (failure is null)
            {
                everStarted = true;
                return;
            }

            // Another process took the port between PortAllocator releasing it and postgres binding it. Only the
            // first start may move: a restart must keep its port, because clients hold the connection string.
            if (!everStarted && attempt < MaxPortClashRetries && failure.Contains("Address already in use", StringComparison.Ordinal))
            {
                Port = PortAllocator.GetFreePort();
                continue;
            }

            throw new InvalidOperationException(failure);
        }
    }

    /// <summary>Stops the server with SIGINT (fast shutdown: open transactions roll back, clients are disconnected,
    /// a checkpoint is written) and waits until it has exited. A paused server is resumed first.</summary>
    /// <exception cref="TimeoutException">It had not exited 15 s after SIGINT; it has been killed.</exception>
    public async Task StopAsync()
    {
        if (process is not { } running)
        {
            return;
        }

        if (IsPaused)
        {
            await ResumeAsync().ConfigureAwait(false);
        }

        PosixSignals.Send(running, PosixSignals.Interrupt);
        using var deadline = new CancellationTokenSource(ExitTimeout);
        try
        {
            await running.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await KillAsync().ConfigureAwait(false);
            throw new TimeoutException(
                $"postgres on port {Port} had not exited {ExitTimeout.TotalSeconds:0} s after SIGINT (fast shutdown) and was killed. Log tail:{Environment.NewLine}{ReadLogTail()}");
        }

        ReleaseProcess();
    }

    /// <summary>
    /// Kills the postmaster with SIGKILL (a crash: no shutdown work, no checkpoint) and waits until it and every
    /// process it had started have exited, so that <see cref="StartAsync"/> on the same directory can run (PostgreSQL
    /// refuses while an old worker still holds the shared memory). Works on a paused server too.
    /// </summary>
    /// <remarks>The workers are not killed: like after a real postmaster crash, each notices the postmaster is gone
    /// and exits on its own. Uncommitted transactions are lost; committed ones are in the write-ahead log.</remarks>
    /// <exception cref="TimeoutException">A worker was still running 15 s after the kill; the survivors have been SIGKILLed.</exception>
    public async Task KillAsync()
    {
        if (process is not { } running)
        {
            return;
        }

        IReadOnlyList<LinuxProcesses.Snapshot> workers = [];
        if (!running.HasExited)
        {
            // Stopped first, so the postmaster cannot fork a backend between our listing its children and its death.
            PosixSignals.Send(running, PosixSignals.Stop);
            workers = LinuxProcesses.ChildrenOf(running.Id);
            running.Kill();

            // A paused worker would never notice the postmaster is gone.
            foreach (var worker in workers.Where(w => !LinuxProcesses.HasExited(w)))
            {
                PosixSignals.Send(worker.Pid, PosixSignals.Continue);
            }
        }

        await running.WaitForExitAsync().ConfigureAwait(false);
        ReleaseProcess();
        await WaitForWorkersToExitAsync(workers).ConfigureAwait(false);
        RemoveStalePidFile();
    }

    /// <summary>Freezes the server with SIGSTOP to the postmaster and each of its workers, and waits until all are
    /// stopped: connections stay open, queries hang until <see cref="ResumeAsync"/>, new connections are not accepted.</summary>
    /// <exception cref="InvalidOperationException">The server is not running.</exception>
    /// <exception cref="TimeoutException">A process was not stopped within 15 s (one in uninterruptible I/O on a loaded machine can take seconds).</exception>
    public async Task PauseAsync(CancellationToken cancellationToken = default)
    {
        var running = RunningProcess("pause");
        if (IsPaused)
        {
            return;
        }

        // The postmaster first, so that it forks no worker we would miss.
        PosixSignals.Send(running, PosixSignals.Stop);
        var pids = new List<int> { running.Id };
        foreach (var worker in LinuxProcesses.ChildrenOf(running.Id))
        {
            if (PosixSignals.Send(worker.Pid, PosixSignals.Stop))
            {
                pids.Add(worker.Pid);
            }
        }

        IsPaused = true;
        // kill() returns before a process running on another core has stopped; a query issued after this method
        // returns must find every process frozen.
        await Eventually.UntilAsync(
                // A worker that exited as the postmaster stopped stays a zombie until the postmaster runs again: it is
                // not running either.
                () => Task.FromResult(pids.All(pid => LinuxProcesses.IsStopped(pid) || LinuxProcesses.HasExited(pid))),
                SignalTimeout,
                () => $"postgres on port {Port}: every process stopped after SIGSTOP; still running: {string.Join(", ", pids.Where(pid => !LinuxProcesses.IsStopped(pid) && !LinuxProcesses.HasExited(pid)))}",
                cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Lets a paused server run again (SIGCONT to its workers and the postmaster); queries waiting on it complete.</summary>
    /// <exception cref="InvalidOperationException">The server is not running.</exception>
    public Task ResumeAsync()
    {
        var running = RunningProcess("resume");
        foreach (var worker in LinuxProcesses.ChildrenOf(running.Id))
        {
            PosixSignals.Send(worker.Pid, PosixSignals.Continue);
        }

        PosixSignals.Send(running, PosixSignals.Continue);
        IsPaused = false;
        return Task.CompletedTask;
    }

    /// <summary>Creates the database <paramref name="name"/> (owned by <see cref="Username"/>) and returns an Npgsql
    /// connection string for it. Tests use one database each, named uniquely.</summary>
    /// <param name="name">The database name, used as a quoted identifier: at most 63 bytes, case kept.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or longer than PostgreSQL keeps.</exception>
    /// <exception cref="PostgresException">The server refused, e.g. the database exists (SQLSTATE 42P04).</exception>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (Encoding.UTF8.GetByteCount(name) > MaxIdentifierBytes)
        {
            // PostgreSQL would silently truncate it, and the returned connection string would name another database.
            throw new ArgumentException(
                $"Database name '{name}' is {Encoding.UTF8.GetByteCount(name)} bytes; PostgreSQL keeps at most {MaxIdentifierBytes}.", nameof(name));
        }

        await using var connection = new NpgsqlConnection(WithoutPooling(ConnectionString));
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return GetConnectionString(name);
    }

    /// <summary>The last lines of the log (initdb and the server), for failure messages.</summary>
    public string ReadLogTail(int lines = 30) => ChildProcesses.ReadTail(LogPath, lines);

    /// <summary>Kills the server and deletes its temp directory.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync().ConfigureAwait(false);
        }
        finally
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A leftover temp directory is harmless; failing the test over it would hide its real result.
            }
        }
    }

    private Process RunningProcess(string action) =>
        process is { HasExited: false } running
            ? running
            : throw new InvalidOperationException($"Cannot {action} postgres on port {Port}: it is not running.");

    private async Task InitializeClusterAsync(string binaries, PosixUsers.Account? account, CancellationToken cancellationToken)
    {
        if (account is { } owner)
        {
            PosixUsers.ChangeOwner(DataDirectory, owner);
        }

        // initdb reads the password from a file, so it is never on a command line; the directory is 0700
        // (Directory.CreateTempSubdirectory), so no one else can read the file in the moment it exists.
        var passwordFile = Path.Combine(DataDirectory, "initdb.password");
        await File.WriteAllTextAsync(passwordFile, Password, cancellationToken).ConfigureAwait(false);
        if (account is { } reader)
        {
            PosixUsers.ChangeOwner(passwordFile, reader);
        }

        try
        {
            string[] arguments =
            [
                "--pgdata", ClusterDirectory,
                "--username", Username,
                "--pwfile", passwordFile,
                "--auth-local", "trust",
                "--auth-host", "scram-sha-256",
                "--encoding", "UTF8",
                "--locale", "C",
                // Skips fsyncing the new cluster's files: seconds on a busy disk, and a temp cluster that the machine
                // crashes under is lost anyway.
                "--no-sync",
            ];
            var initdb = Start(Path.Combine(binaries, "initdb"), arguments, account);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(InitTimeout);
            try
            {
                await initdb.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                initdb.Kill();
                await initdb.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                ChildProcesses.Release(initdb);
                throw new TimeoutException(
                    $"initdb into {ClusterDirectory} did not finish within {InitTimeout.TotalSeconds:0} s. Log tail:{Environment.NewLine}{ReadLogTail()}");
            }

            var exitCode = initdb.ExitCode;
            ChildProcesses.Release(initdb);
            if (exitCode != 0)
            {
                throw new InvalidOperationException(
                    $"initdb into {ClusterDirectory} exited with code {exitCode}. Log tail:{Environment.NewLine}{ReadLogTail()}");
            }
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    private Process Launch(string binaries, PosixUsers.Account? account)
    {
        List<string> arguments =
        [
            "-D", ClusterDirectory,
            "-p", Port.ToString(CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1",
            "-c", $"unix_socket_directories={DataDirectory}",
            "-c", "max_connections=200",
            // Small and fixed, so that many test servers fit on one machine and start quickly.
            "-c", "shared_buffers=16MB",
            "-c", "huge_pages=off",
            // After a kill, startup first fsyncs every file of the cluster one by one (3-4 s on a busy disk); one
            // syncfs() gives the same guarantee in a fraction of that (PostgreSQL 14+).
            "-c", "recovery_init_sync_method=syncfs",
        ];
        foreach (var setting in extraSettings)
        {
            arguments.AddRange(["-c", setting]);
        }

        process = Start(Path.Combine(binaries, "postgres"), arguments, account);
        return process;
    }

    /// <summary>Runs a PostgreSQL program as <paramref name="account"/> (when we are root) or as ourselves.</summary>
    /// <remarks><c>setpriv</c> rather than <c>runuser</c>: setpriv execs the program, so the process we hold is the
    /// postmaster itself and SIGKILL/SIGSTOP reach it; runuser stays as its parent (for the PAM session).</remarks>
    private Process Start(string program, IEnumerable<string> arguments, PosixUsers.Account? account)
    {
        var environment = new Dictionary<string, string?> { ["LC_ALL"] = "C" };
        if (account is not { } user)
        {
            return ChildProcesses.Start(program, arguments, LogPath, environment, DataDirectory);
        }

        var setpriv = ChildProcesses.FindOnPath("setpriv") ?? throw new InvalidOperationException(
            $"Running as root, PostgreSQL must run as the '{ServiceUser}' user, which needs setpriv (not found on PATH): apt-get install -y util-linux");
        string[] switchUser =
        [
            $"--reuid={user.UserId.ToString(CultureInfo.InvariantCulture)}",
            $"--regid={user.GroupId.ToString(CultureInfo.InvariantCulture)}",
            "--init-groups",
            "--",
            program,
        ];
        return ChildProcesses.Start(setpriv, [.. switchUser, .. arguments], LogPath, environment, DataDirectory);
    }

    /// <summary>The OS user to run PostgreSQL as: <c>postgres</c> when we are root, otherwise null (ourselves).</summary>
    private static PosixUsers.Account? ServiceAccount()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return null;
        }

        return PosixUsers.Find(ServiceUser) ?? throw new InvalidOperationException(
            $"Running as root, and PostgreSQL refuses to run as root, but there is no '{ServiceUser}' OS user to run it as. "
            + "Debian's package creates it: apt-get install -y postgresql");
    }

    /// <summary>Waits until a password connection runs <c>SELECT 1</c>; returns null on success, or why the server failed.</summary>
    private async Task<string?> WaitUntilAnsweringAsync(Process started, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var lastError = "no connection yet";
        while (clock.Elapsed < StartTimeout)
        {
            if (started.HasExited)
            {
                var exitCode = started.ExitCode;
                ReleaseProcess();
                return $"postgres on port {Port} exited with code {exitCode} while starting. Log tail:{Environment.NewLine}{ReadLogTail()}";
            }

            try
            {
                await ProbeAsync(cancellationToken).ConfigureAwait(false);
                return null;
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification)
            {
                // The server is up and refuses us: waiting longer cannot help.
                await KillAsync().ConfigureAwait(false);
                return $"postgres on port {Port} refused the fixture's own login as '{Username}': {ex.Message}. Log tail:{Environment.NewLine}{ReadLogTail()}";
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException
                || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // Not listening yet, or "the database system is starting up" (57P03) during recovery.
                lastError = $"{ex.GetType().Name}: {ex.Message}";
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        await KillAsync().ConfigureAwait(false);
        throw new TimeoutException(
            $"postgres on port {Port} did not run SELECT 1 for '{Username}' (password, TCP) within {StartTimeout.TotalSeconds:0} s "
            + $"(last error: {lastError}). Log tail:{Environment.NewLine}{ReadLogTail()}");
    }

    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        var probe = new NpgsqlConnectionStringBuilder(WithoutPooling(ConnectionString))
        {
            Timeout = (int)ProbeTimeout.TotalSeconds,
            CommandTimeout = (int)ProbeTimeout.TotalSeconds,
        };
        await using var connection = new NpgsqlConnection(probe.ConnectionString);
        await connection.OpenAsync(timeout.Token).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        await command.ExecuteScalarAsync(timeout.Token).ConfigureAwait(false);
    }

    // The fixture's own connections are closed for real, so none is left in a pool pointing at a killed server.
    private static string WithoutPooling(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    private async Task WaitForWorkersToExitAsync(IReadOnlyList<LinuxProcesses.Snapshot> workers)
    {
        if (workers.Count == 0)
        {
            return;
        }

        try
        {
            await Eventually.UntilAsync(
                    () => Task.FromResult(workers.All(LinuxProcesses.HasExited)),
                    ExitTimeout,
                    () => $"postgres on port {Port}: every worker of the killed postmaster exited; still running: {Survivors(workers)}")
                .ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            var survivors = Survivors(workers);
            foreach (var worker in workers.Where(w => !LinuxProcesses.HasExited(w)))
            {
                PosixSignals.Send(worker.Pid, PosixSignals.KillSignal);
            }

            throw new TimeoutException($"{ex.Message} They have been SIGKILLed ({survivors}).", ex);
        }
    }

    private static string Survivors(IReadOnlyList<LinuxProcesses.Snapshot> workers) =>
        string.Join(", ", workers.Where(w => !LinuxProcesses.HasExited(w)).Select(w => w.Pid));

    /// <summary>
    /// A killed postmaster leaves <c>postmaster.pid</c> behind. Normally the next start reads it (and frees the old
    /// shared memory), so it stays; but if its pid now belongs to another process, postgres would take that for a
    /// running server and refuse to start, so then it goes.
    /// </summary>
    private void RemoveStalePidFile()
    {
        var pidFile = Path.Combine(ClusterDirectory, "postmaster.pid");
        string? firstLine;
        try
        {
            firstLine = File.ReadLines(pidFile).FirstOrDefault();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return;
        }

        if (int.TryParse(firstLine, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && PosixSignals.Send(pid, 0))
        {
            File.Delete(pidFile);
        }
    }

    private void ReleaseProcess()
    {
        if (process is not null)
        {
            ChildProcesses.Release(process);
            process = null;
        }

        IsPaused = false;
    }

    /// <summary>Where initdb and postgres are: <c>pg_config --bindir</c>, else the newest <c>/usr/lib/postgresql/*/bin</c>, else PATH.</summary>
    private static string FindBinDirectory()
    {
        if (ChildProcesses.FindOnPath("pg_config") is { } pgConfig && ReadOutput(pgConfig, "--bindir") is { } bindir && HasServer(bindir))
        {
            return bindir;
        }

        const string DebianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(DebianRoot))
        {
            var newest = Directory.GetDirectories(DebianRoot)
                .Select(dir => (Version: decimal.TryParse(Path.GetFileName(dir), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) ? v : -1m,
                    Bin: Path.Combine(dir, "bin")))
                .Where(candidate => candidate.Version >= 0 && HasServer(candidate.Bin))
                .OrderByDescending(candidate => candidate.Version)
                .Select(candidate => candidate.Bin)
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        if (ChildProcesses.FindOnPath("initdb") is { } initdb && Path.GetDirectoryName(initdb) is { } onPath && HasServer(onPath))
        {
            return onPath;
        }

        throw new InvalidOperationException(
            $"PostgreSQL is not installed: no initdb and postgres in `pg_config --bindir`, {DebianRoot}/*/bin or on PATH. "
            + "Run ./overseer test, which installs it, or install it with: apt-get install -y postgresql");
    }

    private static bool HasServer(string directory) =>
        File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "postgres"));

    /// <summary>The trimmed stdout of a short command, or null if it failed.</summary>
    private static string? ReadOutput(string program, string argument)
    {
        try
        {
            var startInfo = new ProcessStartInfo(program, argument) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var run = Process.Start(startInfo);
            if (run is null)
            {
                return null;
            }

            // Both pipes drained at once, so neither can fill up and block the other.
            var error = run.StandardError.ReadToEndAsync();
            var output = run.StandardOutput.ReadToEnd();
            error.GetAwaiter().GetResult();
            return run.WaitForExit(TimeSpan.FromSeconds(10)) && run.ExitCode == 0 ? output.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
