namespace Overseer.Handlers;

/// <summary>Where a handler's effects, and so its workers' cursors, live.</summary>
internal enum HandlerOutput
{
    /// <summary>The worker's Redis stream (the default output; also every worker without a handler).</summary>
    RedisStream = 0,

    /// <summary>The team's PostgreSQL database, in one transaction with the cursor.</summary>
    Postgres = 1,
}
