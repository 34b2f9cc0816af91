namespace Overseer.Bench.Suite.Reorg;

/// <summary>Where the <c>reorg</c> scenario's workers commit, and how the bench reads and checks what they committed
/// there: the Redis stream output (<see cref="RedisReorgOutput"/>) or a PostgreSQL handler (<see cref="PostgresReorgOutput"/>).</summary>
internal interface IReorgOutput
{
    /// <summary>Prefixes of the figures' names and of the workers' ids (e.g. "" and "r" for Redis).</summary>
    string FigurePrefix { get; }

    string IdPrefix { get; }

    /// <summary>The handler of the journaled side or of the baseline; null: none (the Redis stream output's raw events).</summary>
    string? Handler(bool journaled);

    /// <summary>The committed checkpoint and source token of each of <paramref name="ids"/> (0 and null before a commit).</summary>
    Task<(long Checkpoint, string? Token)[]> CursorsAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken);

    /// <summary>The first problem found in what worker <paramref name="id"/> committed for blocks
    /// <paramref name="from"/>..<paramref name="to"/> against the node's chain (every block once, the node's hashes), or null.</summary>
    Task<string?> CheckAsync(string id, bool journaled, long from, long to, CancellationToken cancellationToken);
}
