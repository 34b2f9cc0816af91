using Npgsql;

namespace Overseer.Tests.Grains;

/// <summary>Reads a handler's rows for the tests that compare them.</summary>
public static class PostgresRows
{
    /// <summary>The first column of <paramref name="sql"/> (text; <c>$1</c> is <paramref name="worker"/>), in its order,
    /// through a connection of its own (not pooled: a test that restarts PostgreSQL would otherwise read through one the
    /// restart ended).</summary>
    public static async Task<List<string>> TextAsync(string connectionString, string sql, string worker)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var select = new NpgsqlCommand(sql, connection);
        select.Parameters.Add(new() { Value = worker });
        await using var reader = await select.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
