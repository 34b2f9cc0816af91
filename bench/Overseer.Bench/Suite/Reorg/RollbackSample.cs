namespace Overseer.Bench.Suite.Reorg;

/// <summary>One timed new head seen by the <c>reorg</c> scenario's worker: the block that reveals a 10-block reorg (rolled
/// back and indexed again on the new branch), or (the baseline) one new block on the same chain.</summary>
/// <param name="Elapsed">From the call that mines the new head block to the worker's last block committed.</param>
/// <param name="Commits">Batch commits that carried the blocks.</param>
internal sealed record RollbackSample(TimeSpan Elapsed, int Commits);
