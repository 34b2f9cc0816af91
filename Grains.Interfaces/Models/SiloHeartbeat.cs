using System.Collections.Immutable;

namespace Overseer.Models;

/// <summary>One silo's heartbeat to one partition, sent every heartbeat interval: the silo's running workers of that
/// partition as a change to the set the partition last heard whole, not the whole set each time.</summary>
/// <remarks>The partition keeps, per silo, the set it was sent whole and every change since, in sequence: it takes a
/// change only if it is the next one (<paramref name="Sequence"/> one past the last it took from this
/// <paramref name="Incarnation"/>). A gap (a message lost), a partition that does not know the silo (reactivated, or a new
/// silo) or a change from a newer incarnation is answered <see cref="HeartbeatAnswer.WholeSetWanted"/>, and the silo sends
/// the whole set at once; a message older than one taken (late, reordered) is <see cref="HeartbeatAnswer.Stale"/>.</remarks>
/// <param name="Silo">The sending silo (<c>host:port</c>, the format of <see cref="WorkerInfo.Silo"/>).</param>
/// <param name="Incarnation">The sending silo's generation: a silo restarted on the same address starts a new sequence.</param>
/// <param name="Sequence">1, 2, 3, … per (silo incarnation, partition).</param>
/// <param name="Whole">True when <paramref name="Added"/> is the whole set (it replaces what the partition holds).</param>
/// <param name="Added">Workers whose run is in progress on <paramref name="Silo"/> that joined since the last message
/// (when <paramref name="Whole"/>: all of them).</param>
/// <param name="Removed">Workers that left since the last message (their run ended, or their activation went away).</param>
/// <param name="Changed">The newest snapshot of each worker whose checkpoint or source status moved since the last
/// heartbeat (versioned like any report).</param>
[GenerateSerializer, Immutable, Alias("overseer.SiloHeartbeat")]
public sealed record SiloHeartbeat(
    [property: Id(0)] string Silo,
    [property: Id(1)] long Incarnation,
    [property: Id(2)] long Sequence,
    [property: Id(3)] bool Whole,
    [property: Id(4)] ImmutableArray<string> Added,
    [property: Id(5)] ImmutableArray<string> Removed,
    [property: Id(6)] ImmutableArray<WorkerReport> Changed);
