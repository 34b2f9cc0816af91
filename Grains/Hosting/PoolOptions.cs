namespace Overseer.Hosting;

/// <summary>Pool and backpressure settings, bound from <c>Overseer:Pool</c>. Every cap but the commit cap defaults to 0 = unlimited.</summary>
public sealed class PoolOptions
{
    /// <summary>The configuration section these options are bound from: <c>Overseer:Pool</c>.</summary>
    public const string SectionName = "Overseer:Pool";

    /// <summary>Cluster-wide cap on slots held (running workers, and crashed workers in backoff). Starts beyond it queue
    /// as Pending, first in first out, and run when a slot frees. Default 0 = unlimited (no pool, no Redis calls).</summary>
    public int MaxRunningWorkers { get; set; }

    /// <summary>Fetches (HTTP requests to sources, sequence batches) in flight at once on one silo. Default 0 = unlimited.</summary>
    public int MaxConcurrentFetchesPerSilo { get; set; }

    /// <summary>HTTP requests in flight at once from one silo to one source host (host:port). Default 0 = unlimited.</summary>
    public int MaxConcurrentFetchesPerHost { get; set; }

    /// <summary>Commits (one Redis script per batch) in flight at once on one silo; the others wait their turn, first come
    /// first served, but a run's first commit goes before the batches of runs already going. Keeps the silo's Redis
    /// connection queue short whatever the number of workers, so that a state read or a start never waits behind
    /// thousands of batches. Default 256; 0 = unlimited.</summary>
    public int MaxConcurrentCommitsPerSilo { get; set; } = 256;

    /// <summary>How long a slot stays held without renewal. A worker renews it with every heartbeat, so a slot of a
    /// silo that died returns to the pool after at most this long. A graceful hand-over (a silo shutting down, a move)
    /// holds it longer, for as long as the worker's partition takes to bring it back. Default 10 s; must exceed the
    /// heartbeat interval.</summary>
    public TimeSpan SlotLease { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether the running-worker pool is on.</summary>
    public bool Capped => MaxRunningWorkers > 0;
}
