using Overseer.Testing;

namespace Overseer.Tests.Samples;

/// <summary>A private PostgreSQL for the sample's handler tests, with one database they share (each test class takes a
/// schema of its own).</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.StartNewAsync();
        ConnectionString = await _server.CreateDatabaseAsync("erc20");
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
