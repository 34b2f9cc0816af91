using System.Numerics;
using Npgsql;

namespace Overseer.Tests.Cluster;

/// <summary>What the ERC-20 sample's handler (<c>samples/Erc20Indexer</c>) wrote for a worker, read straight from its
/// PostgreSQL database: the worker's cursor, its <c>transfers</c> rows and its <c>balances</c>.</summary>
internal static class Erc20Tables
{
    /// <summary>The worker's committed cursor in <c>overseer_cursors</c> (0 before its first commit); throws while the
    /// table does not exist or PostgreSQL is down, which <see cref="Overseer.Testing.Eventually"/> counts as "not yet".</summary>
    public static async Task<long> CursorAsync(string database, string workerId)
    {
        await using var connection = await OpenAsync(database);
        await using var command = new NpgsqlCommand("SELECT checkpoint FROM overseer_cursors WHERE worker = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workerId });
        return await command.ExecuteScalarAsync() is long checkpoint ? checkpoint : 0;
    }

    public static async Task<List<IndexedTransfer>> TransfersAsync(string database, string workerId)
    {
        await using var connection = await OpenAsync(database);
        return await TransfersAsync(connection, workerId);
    }

    public static async Task<List<IndexedTransfer>> TransfersAsync(NpgsqlConnection connection, string workerId)
    {
        await using var command = new NpgsqlCommand(
            "SELECT seq, block, log_index, tx, from_address, to_address, value FROM transfers WHERE worker = $1 ORDER BY seq", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workerId });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<IndexedTransfer>();
        while (await reader.ReadAsync())
        {
            rows.Add(new IndexedTransfer(
                reader.GetInt64(0), reader.GetInt64(1), reader.GetInt32(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetFieldValue<BigInteger>(6)));
        }

        return rows;
    }

    public static async Task<Dictionary<string, BigInteger>> BalancesAsync(string database, string workerId, string token)
    {
        await using var connection = await OpenAsync(database);
        return await BalancesAsync(connection, workerId, token);
    }

    public static async Task<Dictionary<string, BigInteger>> BalancesAsync(NpgsqlConnection connection, string workerId, string token)
    {
        await using var command = new NpgsqlCommand("SELECT holder, balance FROM balances WHERE worker = $1 AND token = $2", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workerId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = token });
        await using var reader = await command.ExecuteReaderAsync();
        var balances = new Dictionary<string, BigInteger>();
        while (await reader.ReadAsync())
        {
            balances.Add(reader.GetString(0), reader.GetFieldValue<BigInteger>(1));
        }

        return balances;
    }

    // Not pooled: a pooled connection would outlive the PostgreSQL kill and fail the next read.
    public static async Task<NpgsqlConnection> OpenAsync(string database)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database) { Pooling = false, Timeout = 3, CommandTimeout = 5 }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public static string Render(IEnumerable<KeyValuePair<string, BigInteger>> balances) =>
        string.Join(", ", balances.OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => $"{b.Key}={b.Value}"));
}
