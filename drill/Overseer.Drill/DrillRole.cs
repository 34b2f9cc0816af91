namespace Overseer.Drill;

/// <summary>What a drill worker is for, and so what the checker expects of it.</summary>
internal enum DrillRole
{
    /// <summary><c>sequence</c>, unbounded, never crashes: restarts stay 0 whatever the faults (outages count none).</summary>
    Endless,

    /// <summary><c>sequence</c> with <c>failAfter</c>: crashes on schedule, <c>permanent</c> or <c>transient</c>, with an
    /// intensity it never exhausts.</summary>
    Crashing,

    /// <summary><c>sequence</c> with a <c>limit</c>, <c>transient</c>: completes at exactly the limit.</summary>
    Completing,

    /// <summary><c>sequence</c> with <c>failAfter</c>, <c>temporary</c>: fails at its first crash, never restarted.</summary>
    Temporary,

    /// <summary><c>feed</c> on the reference source (push with poll fallback), under feed faults.</summary>
    Feed,

    /// <summary><c>evm</c> blocks from anvil, under reorgs.</summary>
    Evm,

    /// <summary><c>sequence</c>, unbounded, through the PostgreSQL handler <c>drill-rows</c>: one row per event, committed
    /// with the worker's cursor row in one transaction, under PostgreSQL kills.</summary>
    Rows,
}
