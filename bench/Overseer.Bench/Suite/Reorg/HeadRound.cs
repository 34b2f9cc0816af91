namespace Overseer.Bench.Suite.Reorg;

/// <summary>One measured window of N evm workers following the head of a chain that grows as fast as they index it.</summary>
/// <param name="BlocksPerSecond">Blocks committed by all the workers together, per second of the window.</param>
/// <param name="Latency">Each batch commit's latency (<c>overseer.commit-duration</c>).</param>
/// <param name="Commits">Batch commits in the window.</param>
/// <param name="ChainBlocksPerSecond">Blocks mined on the node per second of the window.</param>
/// <param name="TokenBytes">Mean length of the workers' committed source token (the cursor's <c>tok</c> field) at the end of the window.</param>
/// <param name="JournalEntries">Mean journal entries in those tokens.</param>
/// <param name="Lag">Blocks the slowest worker was behind the block it indexes to (head − confirmations) at the end of the window.</param>
internal sealed record HeadRound(double BlocksPerSecond, LatencyStats Latency, int Commits, double ChainBlocksPerSecond, double TokenBytes, double JournalEntries, long Lag);
