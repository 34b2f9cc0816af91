using System.Collections.Immutable;
using System.Globalization;
using Overseer.Models;
using Overseer.Outputs;
using Overseer.Redis;
using StackExchange.Redis;

namespace Overseer.Operations;

/// <summary>The audit stream of destructive operator commands (delete, rewind), and of the reorgs workers roll back
/// (actor <see cref="SourceActor"/>): one Redis stream, its entry ids by the
/// Redis server's clock, trimmed to about <see cref="MaxEntries"/> entries.</summary>
/// <remarks>Each command writes <c>requested</c> before it changes anything (a command that cannot be recorded does not
/// run), then its outcome. Retried through <see cref="StoreRetry"/> like every other Redis call, at its two calls by hand:
/// this class is the audit stream's only door, and a decorator would need an interface with no second implementation.</remarks>
internal sealed class AuditLog(IConnectionMultiplexer redis, RedisKeys keys, StoreRetry retry)
{
    /// <summary>About how many entries the stream keeps (older ones are trimmed as new ones arrive).</summary>
    public const int MaxEntries = 100_000;

    /// <summary>The most entries one read returns.</summary>
    public const int MaxRead = 10_000;

    /// <summary>The actor of entries a worker writes itself (a reorg it rolled back), not an operator.</summary>
    public const string SourceActor = "overseer";

    private IDatabase Db => redis.GetDatabase();

    public Task AppendAsync(string actor, string action, string workerId, string detail, string outcome, CancellationToken cancellationToken) =>
        retry.ExecuteAsync(
            workerId,
            ct => Db.StreamAddAsync(
                keys.Audit,
                [new("actor", actor), new("action", action), new("worker", workerId), new("detail", detail), new("outcome", outcome)],
                maxLength: MaxEntries,
                useApproximateMaxLength: true).WaitAsync(ct),
            cancellationToken);

    /// <summary>Runs an operator command with its record: <c>requested</c> before, then <c>done: </c> +
    /// <paramref name="describe"/>(result), or <c>refused: </c>/<c>failed: </c> + the error, which is rethrown.</summary>
    public async Task<T> RecordAsync<T>(
        string actor, string action, string workerId, string detail, Func<Task<T>> command, Func<T, string> describe, CancellationToken cancellationToken)
    {
        if (AuditActors.Validate(actor) is { } problem)
        {
            throw Errors.OverseerException.Invalid(problem);
        }

        await AppendAsync(actor, action, workerId, detail, "requested", cancellationToken);
        T result;
        try
        {
            result = await command();
        }
        catch (Exception e)
        {
            var outcome = e is Errors.OverseerException ? $"refused: {e.Message}" : $"failed: {e.GetType().Name}: {e.Message}";
            await AppendAsync(actor, action, workerId, detail, outcome, cancellationToken);
            throw;
        }

        await AppendAsync(actor, action, workerId, detail, "done: " + describe(result), cancellationToken);
        return result;
    }

    /// <summary>The newest <paramref name="count"/> entries, oldest first.</summary>
    public async Task<ImmutableArray<AuditEntry>> ReadAsync(int count, CancellationToken cancellationToken)
    {
        var entries = await retry.ExecuteAsync(
            "audit",
            ct => Db.StreamRangeAsync(keys.Audit, "-", "+", count, Order.Descending).WaitAsync(ct),
            cancellationToken);
        return [.. entries.Reverse().Select(Parse)];
    }

    private static AuditEntry Parse(StreamEntry e)
    {
        var id = (string)e.Id!;
        var ms = long.Parse(id.AsSpan(0, id.IndexOf('-', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
        return new AuditEntry(
            DateTimeOffset.FromUnixTimeMilliseconds(ms),
            (string?)e["actor"] ?? "",
            (string?)e["action"] ?? "",
            (string?)e["worker"] ?? "",
            (string?)e["detail"] ?? "",
            (string?)e["outcome"] ?? "");
    }
}
