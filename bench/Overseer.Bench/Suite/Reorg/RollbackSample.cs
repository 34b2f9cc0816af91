namespace Overseer.Bench.Suite.Reorg;

/// <summary>One timed new head seen by the <c>reorg</c> scenario's worker: the block that reveals a 10-block reorg (rolled
/// back and indexed again on the new branch), or (the baseline) one new block on the same chain.</summary>
/// <param name="Elapsed">From the call that mines the new head block to the worker's last block committed.</param>
/// <param name="Commits">Batch commits that carried the blocks.</param>
/// <param name="WorkerMs">The worker's own share (<see cref="HeadStepListener"/>): from its fetch that saw the new head to
/// the commit of it, in milliseconds.</param>
internal sealed record RollbackSample(TimeSpan Elapsed, int Commits, double WorkerMs);
