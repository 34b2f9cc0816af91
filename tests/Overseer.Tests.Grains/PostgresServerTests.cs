using Npgsql;
using Overseer.Testing;

namespace Overseer.Tests.Grains;

/// <summary>The PostgreSQL fixture itself against a real server: password logins, a crash in the middle of a
/// transaction and recovery on restart, and a paused server that answers once resumed.</summary>
public sealed class PostgresServerTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    // How long a query must stay unanswered while the server is paused: a window to observe that something does
    // not happen, not a wait for something to happen.
    private static readonly TimeSpan PausedWindow = TimeSpan.FromMilliseconds(500);

    private PostgresServer _server = null!;

    public async Task InitializeAsync() => _server = await PostgresServer.StartNewAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task CreateDatabase_WithThePassword_WritesAndReadsARow_AndAWrongPasswordIsRefused()
    {
        var connectionString = await _server.CreateDatabaseAsync(UniqueName("rw"));

        await using (var connection = await OpenAsync(connectionString))
        {
            await ExecuteAsync(connection, "CREATE TABLE t (v text PRIMARY KEY)");
            await ExecuteAsync(connection, "INSERT INTO t VALUES ('hello')");
        }

        var wrongPassword = new NpgsqlConnectionStringBuilder(connectionString) { Password = _server.Password + "-wrong" }.ConnectionString;
        var refused = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(wrongPassword));

        Assert.Equal(PostgresErrorCodes.InvalidPassword, refused.SqlState);
        Assert.Equal(["hello"], await ReadValuesAsync(connectionString));
    }

    [Fact]
    public async Task Kill_InTheMiddleOfAnOpenTransaction_RestartRecoversTheCommittedRowOnly()
    {
        var connectionString = await _server.CreateDatabaseAsync(UniqueName("crash"));
        await using (var setup = await OpenAsync(connectionString))
        {
            await ExecuteAsync(setup, "CREATE TABLE t (v text PRIMARY KEY)");
            await ExecuteAsync(setup, "INSERT INTO t VALUES ('committed')");
        }

        await using var open = await OpenAsync(connectionString);
        await using var transaction = await open.BeginTransactionAsync();
        await ExecuteAsync(open, "INSERT INTO t VALUES ('uncommitted')", transaction);

        await _server.KillAsync();
        var runningAfterKill = _server.IsRunning;
        await _server.StartAsync();

        Assert.False(runningAfterKill);
        Assert.Contains("automatic recovery in progress", File.ReadAllText(_server.LogPath), StringComparison.Ordinal);
        Assert.Equal(["committed"], await ReadValuesAsync(connectionString));
    }

    [Fact]
    public async Task Pause_QueryIssuedWhilePaused_CompletesAfterResume()
    {
        var connectionString = await _server.CreateDatabaseAsync(UniqueName("pause"));
        await using var connection = await OpenAsync(connectionString);
        await ExecuteAsync(connection, "CREATE TABLE t (v text PRIMARY KEY)");

        await _server.PauseAsync();
        var insert = ExecuteAsync(connection, "INSERT INTO t VALUES ('while-paused')");
        var first = await Task.WhenAny(insert, Task.Delay(PausedWindow));
        var answeredWhilePaused = first == insert;
        await _server.ResumeAsync();
        await insert.WaitAsync(Deadline);

        Assert.False(answeredWhilePaused, $"the INSERT was answered within {PausedWindow.TotalMilliseconds:0} ms of pausing the server");
        Assert.False(_server.IsPaused);
        Assert.Equal(["while-paused"], await ReadValuesAsync(connectionString));
    }

    [Fact]
    public async Task Kill_WhilePaused_RestartsOnTheSameDirectory()
    {
        var connectionString = await _server.CreateDatabaseAsync(UniqueName("pausedkill"));
        await using (var setup = await OpenAsync(connectionString))
        {
            await ExecuteAsync(setup, "CREATE TABLE t (v text PRIMARY KEY)");
            await ExecuteAsync(setup, "INSERT INTO t VALUES ('before')");
        }

        await _server.PauseAsync();
        await _server.KillAsync();
        await _server.StartAsync();

        Assert.False(_server.IsPaused);
        Assert.Equal(["before"], await ReadValuesAsync(connectionString));
    }

    [Fact]
    public async Task Stop_ThenStart_KeepsTheRowsWithoutRecovery()
    {
        var connectionString = await _server.CreateDatabaseAsync(UniqueName("stop"));
        await using (var setup = await OpenAsync(connectionString))
        {
            await ExecuteAsync(setup, "CREATE TABLE t (v text PRIMARY KEY)");
            await ExecuteAsync(setup, "INSERT INTO t VALUES ('kept')");
        }

        await _server.StopAsync();
        var runningAfterStop = _server.IsRunning;
        await _server.StartAsync();

        Assert.False(runningAfterStop);
        Assert.DoesNotContain("automatic recovery in progress", File.ReadAllText(_server.LogPath), StringComparison.Ordinal);
        Assert.Equal(["kept"], await ReadValuesAsync(connectionString));
    }

    private static string UniqueName(string prefix) => $"{prefix}_{Guid.NewGuid():N}";

    // Unpooled, so no test is handed a pooled connection that a killed server has broken.
    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        try
        {
            await connection.OpenAsync().WaitAsync(Deadline);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string[]> ReadValuesAsync(string connectionString)
    {
        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand("SELECT v FROM t ORDER BY v", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return [.. values];
    }
}
