using Npgsql;

namespace Overseer.Outputs.Postgres;

/// <summary>Which PostgreSQL failures mean "the database is briefly unavailable" (pause and retry; never a crash, never
/// a restart): a lost or refused connection, a timeout, a shutdown or restart, a failover, a serialization failure or a
/// deadlock (the transaction was rolled back and runs again from the start).</summary>
internal static class PostgresFaults
{
    /// <summary>SQLSTATEs that are outages, not answers. Classes 08 (connection), 53 (insufficient resources) and 57P
    /// (operator intervention: admin or crash shutdown, cannot connect now) by prefix; the rest exactly.</summary>
    private static readonly string[] TransientStates =
    [
        "40001", // serialization_failure
        "40P01", // deadlock_detected
        "25P03", // idle_in_transaction_session_timeout (a paused silo's session was ended)
        "55P03", // lock_not_available
        "57014", // query_canceled (statement_timeout, or a cancel by an operator)
        "58000", // system_error
        "58030", // io_error
        "25006", // read_only_sql_transaction (a standby that has not been promoted yet)
    ];

    private static readonly string[] TransientClasses = ["08", "53", "57P"];

    public static bool IsTransient(Exception exception) => exception switch
    {
        PostgresException e => TransientStates.Contains(e.SqlState) || TransientClasses.Any(c => e.SqlState.StartsWith(c, StringComparison.Ordinal)),
        NpgsqlException e => e.IsTransient || e.InnerException is IOException or System.Net.Sockets.SocketException or TimeoutException,
        _ => false,
    };
}
