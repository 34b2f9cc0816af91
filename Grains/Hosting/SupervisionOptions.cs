namespace Overseer.Hosting;

/// <summary>Supervision defaults, bound from <c>Overseer:Supervision</c>.</summary>
public sealed class SupervisionOptions
{
    public const string SectionName = "Overseer:Supervision";

    /// <summary>Restarts allowed within <see cref="RestartWindow"/> before a worker is Failed. Default 3.</summary>
    public int MaxRestarts { get; set; } = 3;

    /// <summary>The restart-intensity window. Default 5 s.</summary>
    public TimeSpan RestartWindow { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Backoff before the first restart in a window; doubles per recent restart. Default 100 ms.</summary>
    public TimeSpan BackoffMin { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Upper bound of the backoff. Default 5 s.</summary>
    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a running worker reports to its partition. Default 2 s.</summary>
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
}
