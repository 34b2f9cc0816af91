using Overseer.Models;

namespace Overseer.Drill;

/// <summary>One worker of the drill's population: its id, role and spec, and the numbers the checker needs.</summary>
/// <param name="FailAfter">The <c>failAfter</c> option of a crashing or temporary worker.</param>
/// <param name="Limit">The <c>limit</c> option of a completing worker.</param>
/// <param name="PoisonEvery">The handler's <c>poisonEvery</c> option of a rows worker whose handler fails on every seq
/// divisible by it; its poison policy dead-letters those events.</param>
internal sealed record DrillWorker(string Id, DrillRole Role, WorkerSpec Spec, long? FailAfter = null, long? Limit = null, long? PoisonEvery = null)
{
    /// <summary>Whether <paramref name="seq"/> is one the handler fails on: a dead letter, never a row.</summary>
    public bool IsPoison(long seq) => PoisonEvery is { } every && seq % every == 0;

    /// <summary>The poison seqs up to <paramref name="checkpoint"/>, in order: the dead letters the worker must hold.</summary>
    public IEnumerable<long> PoisonThrough(long checkpoint) =>
        PoisonEvery is { } every ? Enumerable.Range(1, (int)(checkpoint / every)).Select(i => i * every) : [];

    /// <summary>Whether the worker's events are the <c>sequence</c> source's: seq 1, 2, … with a payload the checker recomputes.</summary>
    public bool IsSequence => Role is DrillRole.Endless or DrillRole.Crashing or DrillRole.Completing or DrillRole.Temporary or DrillRole.Rows;

    /// <summary>Whether its output is PostgreSQL (cursor in <c>overseer_cursors</c>, events as <c>drill_rows</c>).</summary>
    public bool OnPostgres => Role == DrillRole.Rows;
}
