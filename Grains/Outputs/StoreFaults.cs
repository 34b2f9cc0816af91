using Overseer.Errors;
using Overseer.Outputs.Postgres;
using Overseer.Redis;

namespace Overseer.Outputs;

/// <summary>The one rule for "a store is briefly unavailable": a Redis outage (<see cref="RedisFaults"/>) or a PostgreSQL
/// outage (<see cref="PostgresFaults"/>), or one already translated into the contract's
/// <see cref="OverseerErrorCode.Unavailable"/> (by the grain storage, or by a grain this one called). Such a failure is
/// ridden out by <see cref="StoreRetry"/>, never a crash.</summary>
internal static class StoreFaults
{
    public static bool IsTransient(Exception exception) =>
        OverseerException.FindIn(exception) is { } contract
            ? contract.Code == OverseerErrorCode.Unavailable
            : RedisFaults.IsTransient(exception) || PostgresFaults.IsTransient(exception);

    /// <summary>Which store an outage is of, for the operator reading the log.</summary>
    public static string StoreOf(Exception exception) => PostgresFaults.IsTransient(exception) ? "PostgreSQL" : "Redis";

    /// <summary>A log-safe one-line description (see <see cref="RedisFaults.Describe"/>: passwords removed).</summary>
    public static string Describe(Exception exception) => RedisFaults.Describe(exception);

    /// <summary>A short phrase for a caller outside the cluster (see <see cref="RedisFaults.Cause"/>).</summary>
    public static string Cause(Exception exception) => RedisFaults.Cause(exception);
}
