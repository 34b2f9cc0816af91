using Npgsql;

namespace Overseer.Outputs.Postgres;

/// <summary>The one PostgreSQL database of this silo's <see cref="Handlers.IPostgresHandler"/>s (registered by
/// <see cref="Hosting.OverseerBuilder.AddPostgres(string)"/>): one pooled data source for the whole silo.</summary>
internal sealed class PostgresDatabase(string connectionString) : IAsyncDisposable
{
    private readonly Lazy<NpgsqlDataSource> _source = new(() => NpgsqlDataSource.Create(connectionString));

    public NpgsqlDataSource Source => _source.Value;

    /// <summary>Host, port and database, for messages (never the password).</summary>
    public string Describe()
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{b.Host}:{b.Port}/{b.Database}";
    }

    public ValueTask DisposeAsync() => _source.IsValueCreated ? _source.Value.DisposeAsync() : ValueTask.CompletedTask;
}
