namespace Overseer.Sources.Evm;

/// <summary>The chain no longer contains the last committed block: a reorg deeper than <c>confirmations</c>. Never an
/// outage: the sink would otherwise hold two forks. It crashes the run; the worker ends Failed once its restart
/// intensity is spent (every restart finds the same mismatch), and only a rewind past the fork resumes it.</summary>
internal sealed class EvmReorgException(long block, string parentHash, long committedBlock, string committedHash, int confirmations)
    : Exception($"reorg deeper than confirmations={confirmations}: block {block} has parentHash {parentHash}, but the committed block {committedBlock} has hash {committedHash}; the sink keeps the old chain up to block {committedBlock} — rewind the worker past the fork to index the new one")
{
    public long Block => block;
}
