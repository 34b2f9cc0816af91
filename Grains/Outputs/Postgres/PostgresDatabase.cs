using Npgsql;

namespace Overseer.Outputs.Postgres;

/// <summary>The one PostgreSQL database of this silo's <see cref="Handlers.IPostgresHandler"/>s (registered by
/// <see cref="Hosting.OverseerBuilder.AddPostgres(string)"/>): one pooled data source for the whole silo.</summary>
/// <remarks>Every session ends a transaction that stays idle for <see cref="IdleInTransactionTimeout"/>: a silo frozen
/// (SIGSTOP, a long GC pause, a partition) in the middle of a batch holds its worker's cursor row locked, and a stop
/// waits on that lock; the server ends the frozen session after this long, its transaction rolls back, and the stop goes
/// through. When the frozen silo wakes, its commit fails (an outage, retried) and its retry is fenced.</remarks>
internal sealed class PostgresDatabase : IAsyncDisposable
{
    public static readonly TimeSpan IdleInTransactionTimeout = TimeSpan.FromSeconds(10);

    private readonly Lazy<NpgsqlDataSource> _source;
    private readonly NpgsqlConnectionStringBuilder _settings;

    public PostgresDatabase(string connectionString)
    {
        _settings = new NpgsqlConnectionStringBuilder(connectionString);
        _source = new(() =>
        {
            var builder = new NpgsqlDataSourceBuilder(connectionString);
            var timeout = $"-c idle_in_transaction_session_timeout={(long)IdleInTransactionTimeout.TotalMilliseconds}";
            builder.ConnectionStringBuilder.Options = string.IsNullOrWhiteSpace(builder.ConnectionStringBuilder.Options)
                ? timeout
                : $"{builder.ConnectionStringBuilder.Options} {timeout}";
            return builder.Build();
        });
    }

    public NpgsqlDataSource Source => _source.Value;

    /// <summary>Host, port and database, for messages (never the password).</summary>
    public string Describe() => $"{_settings.Host}:{_settings.Port}/{_settings.Database}";

    public ValueTask DisposeAsync() => _source.IsValueCreated ? _source.Value.DisposeAsync() : ValueTask.CompletedTask;
}
