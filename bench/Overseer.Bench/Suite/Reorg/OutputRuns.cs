namespace Overseer.Bench.Suite.Reorg;

/// <summary>Everything the <c>reorg</c> scenario measured for one output, repetition by repetition.</summary>
/// <param name="Journaled">At the head with the journal (<c>confirmations=0</c>), one window per repetition.</param>
/// <param name="Plain">The baseline windows (<c>confirmations=2</c>, no journal).</param>
/// <param name="Reorgs">Per repetition, the 10-block rollbacks' latency: from the call that mines the new head, and the worker's own share.</param>
/// <param name="Advances">Per repetition, the same for one ordinary new block (the baseline).</param>
/// <param name="ReorgCommits">Batch commits that carried the new branches.</param>
/// <param name="AdvanceCommits">Batch commits that carried the ordinary blocks.</param>
/// <param name="ReorgCount">Reorgs the rollback worker rolled back (warm-up included).</param>
/// <param name="ReorgCalls">Durations of the <c>anvil_reorg</c> calls (ms), before each rollback's clock.</param>
internal sealed record OutputRuns(
    IReorgOutput Output,
    List<HeadRound> Journaled,
    List<HeadRound> Plain,
    List<(LatencyStats Elapsed, LatencyStats Worker)> Reorgs,
    List<(LatencyStats Elapsed, LatencyStats Worker)> Advances,
    int ReorgCommits,
    int AdvanceCommits,
    int ReorgCount,
    List<double> ReorgCalls);
