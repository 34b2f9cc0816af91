using Overseer.Outputs.Postgres;
using Overseer.Redis;

namespace Overseer.Outputs;

/// <summary>The one rule for "a store is briefly unavailable": a Redis outage (<see cref="RedisFaults"/>) or a PostgreSQL
/// outage (<see cref="PostgresFaults"/>). Such a failure is ridden out by <see cref="StoreRetry"/>, never a crash.</summary>
internal static class StoreFaults
{
    public static bool IsTransient(Exception exception) => RedisFaults.IsTransient(exception) || PostgresFaults.IsTransient(exception);

    /// <summary>Which store an outage is of, for the operator reading the log.</summary>
    public static string StoreOf(Exception exception) => PostgresFaults.IsTransient(exception) ? "PostgreSQL" : "Redis";

    /// <summary>A log-safe one-line description (see <see cref="RedisFaults.Describe"/>: passwords removed).</summary>
    public static string Describe(Exception exception) => RedisFaults.Describe(exception);
}
