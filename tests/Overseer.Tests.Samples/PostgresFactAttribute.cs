namespace Overseer.Tests.Samples;

/// <summary>A test that needs a PostgreSQL database: it runs when <see cref="Variable"/> holds a connection string (a
/// role that may create schemas) and is skipped otherwise.</summary>
/// <remarks>Until the repository's own PostgreSQL fixture (tests/Overseer.Testing/PostgresServer.cs) lands; then these
/// tests take their database from it and this attribute goes.</remarks>
public sealed class PostgresFactAttribute : FactAttribute
{
    public const string Variable = "OVERSEER_TEST_POSTGRES";

    public PostgresFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            Skip = $"needs PostgreSQL: set {Variable} to a connection string, e.g. Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres";
        }
    }

    public static string? ConnectionString => Environment.GetEnvironmentVariable(Variable);
}
