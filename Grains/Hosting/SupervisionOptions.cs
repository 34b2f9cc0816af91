namespace Overseer.Hosting;

/// <summary>Supervision defaults, bound from <c>Overseer:Supervision</c>.</summary>
public sealed class SupervisionOptions
{
    /// <summary>The configuration section these options are bound from: <c>Overseer:Supervision</c>.</summary>
    public const string SectionName = "Overseer:Supervision";

    /// <summary>Restarts allowed within <see cref="RestartWindow"/> before a worker is Failed. Default 3.</summary>
    public int MaxRestarts { get; set; } = 3;

    /// <summary>The restart-intensity window. Default 5 s.</summary>
    public TimeSpan RestartWindow { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Backoff before the first restart in a window; doubles per recent restart. Default 100 ms; 0 restarts at once.</summary>
    public TimeSpan BackoffMin { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Upper bound of the backoff. Default 5 s; at least <see cref="BackoffMin"/> (0 with a BackoffMin of 0).</summary>
    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often each silo sends each partition one heartbeat naming its running workers of that partition, and
    /// renews their pool leases (<see cref="Workers.HeartbeatSweep"/>). Default 2 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A running worker silent for this long is poked by its partition. Default 8 s.</summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>How often every silo makes sure every partition is active. Default 5 s.</summary>
    public TimeSpan PartitionPingInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Pokes a partition keeps in flight while restoring workers. Default 64.</summary>
    public int RestoreConcurrency { get; set; } = 64;

    /// <summary>How often a partition checks that it and its running workers are spread fairly over the silos
    /// (moving partitions to their home silo and surplus workers to under-loaded silos). Default 5 s; 0 turns it off.</summary>
    public TimeSpan RebalanceInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Workers one partition moves per rebalancing round, at most. Default 16 (with 8 partitions: 128 per round).</summary>
    public int RebalanceMaxMoves { get; set; } = 16;

    /// <summary>Timeout of one supervisor poke; a poke to a silo that just died must not hold a slot for long. Default 5 s.</summary>
    public TimeSpan PokeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The partition's timer: every interval below is checked on it, so none acts more often than this. Default 100 ms.</summary>
    public TimeSpan PartitionTick { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often a partition writes its changed registry rows to Redis (start and resume are written at once).
    /// Default 500 ms.</summary>
    public TimeSpan RegistryFlushInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often a partition looks for workers that should run but have gone silent (see
    /// <see cref="StallTimeout"/>). Default 1 s.</summary>
    public TimeSpan StallScanInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many stall timeouts a worker queued for a pool slot may stay silent before the stall scan pokes it
    /// anyway (the pool check wakes it when a slot frees). Default 10.</summary>
    public int QueuedStallFactor { get; set; } = 10;

    /// <summary>How long a registered row whose worker does not exist (a start that never reached the worker) is kept
    /// before a poke that finds no worker removes it. Default 30 s.</summary>
    public TimeSpan UnknownWorkerGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a partition reads the running-worker pool to wake its queued workers that can take a slot
    /// (only with a pool cap). Default 1 s.</summary>
    public TimeSpan PoolCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a partition refreshes its registry gauges (only while a listener observes them). Default 1 s.</summary>
    public TimeSpan GaugeInterval { get; set; } = TimeSpan.FromSeconds(1);
}
