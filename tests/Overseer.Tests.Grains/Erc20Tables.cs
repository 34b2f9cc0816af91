using System.Globalization;
using System.Numerics;
using Npgsql;
using Overseer.Testing;

namespace Overseer.Tests.Grains;

/// <summary>The sample ERC-20 handler's tables (<c>transfers</c>, <c>balances</c>) for one worker, and the same as the final
/// chain says they must be: every Transfer log by <c>eth_getLogs</c>, every holder's balance by <c>balanceOf</c>.</summary>
public static class Erc20Tables
{
    /// <summary>Both tables' rows of <paramref name="worker"/> as text (every column but the worker), in key order.</summary>
    public static Task<List<string>> RowsAsync(string connectionString, string worker) =>
        PostgresRows.TextAsync(
            connectionString,
            """
            SELECT 't ' || row(seq, block, log_index, tx, token, from_address, to_address, value)::text FROM transfers WHERE worker = $1
            UNION ALL SELECT 'b ' || row(token, holder, balance)::text FROM balances WHERE worker = $1
            ORDER BY 1
            """,
            worker);

    /// <summary>Null when <paramref name="worker"/>'s tables are exactly the chain's: its transfers the token's Transfer logs
    /// from block 1 to <paramref name="head"/> (seq, block, log index, tx), its balances every holder's balanceOf (no row
    /// for 0); else what differs.</summary>
    public static async Task<string?> CheckAsync(string connectionString, string worker, EvmRpc node, Erc20Token token, long head, IEnumerable<string> holders)
    {
        var logs = await token.TransferLogsAsync(1, head);
        var expected = logs.Select(l => string.Create(
            CultureInfo.InvariantCulture,
            $"{EvmRpc.Number(l.GetProperty("blockNumber").GetString()!) * 1_000_000 + EvmRpc.Number(l.GetProperty("logIndex").GetString()!)} {l.GetProperty("transactionHash").GetString()}")).ToList();
        var balances = new List<string>();
        foreach (var holder in holders.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var balance = await token.BalanceOfAsync(holder);
            if (!balance.IsZero)
            {
                balances.Add($"{holder} {balance}");
            }
        }

        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        var transfers = new List<string>();
        await using (var select = new NpgsqlCommand("SELECT seq, tx FROM transfers WHERE worker = $1 ORDER BY seq", connection))
        {
            select.Parameters.Add(new() { Value = worker });
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                transfers.Add(string.Create(CultureInfo.InvariantCulture, $"{reader.GetInt64(0)} {reader.GetString(1)}"));
            }
        }

        var indexed = new List<string>();
        await using (var select = new NpgsqlCommand("SELECT holder, balance FROM balances WHERE worker = $1 ORDER BY holder", connection))
        {
            select.Parameters.Add(new() { Value = worker });
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                indexed.Add($"{reader.GetString(0)} {reader.GetFieldValue<BigInteger>(1)}");
            }
        }

        return transfers.SequenceEqual(expected) && indexed.SequenceEqual(balances)
            ? null
            : $"worker '{worker}' through block {head}: transfers [{string.Join(", ", transfers)}] against the chain's [{string.Join(", ", expected)}]; balances [{string.Join(", ", indexed)}] against balanceOf [{string.Join(", ", balances)}]";
    }
}
