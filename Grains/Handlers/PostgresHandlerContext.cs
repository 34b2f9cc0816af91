using Npgsql;

namespace Overseer.Handlers;

/// <summary>The open PostgreSQL transaction a handler writes its effects through. Overseer opened it, has already checked
/// that the worker's run still owns its cursor, and commits it together with the cursor advance.</summary>
/// <param name="WorkerId">The worker whose batch this is.</param>
/// <param name="Options">The worker's validated handler options.</param>
/// <param name="Connection">The connection; use it only within this call.</param>
/// <param name="Transaction">The transaction every command must run in; never commit or roll it back yourself.</param>
public sealed record PostgresHandlerContext(
    string WorkerId,
    IReadOnlyDictionary<string, string> Options,
    NpgsqlConnection Connection,
    NpgsqlTransaction Transaction);
