using Overseer.Models;

namespace Overseer.Sources.Evm;

/// <summary>The chain no longer contains the last committed block, and the source cannot undo what it committed: none
/// of the blocks it recorded (<see cref="EvmJournal"/>) is on the chain any more, so the reorg reaches below the
/// finalized block or deeper than the journal. Never an outage (the sink would otherwise hold two forks), and never a
/// crash (every restart would find the same mismatch): the worker halts at once, with no restart counted, and only a
/// rewind past the fork resumes it.</summary>
/// <param name="why">Why it cannot be undone, as the start of the message.</param>
internal sealed class EvmReorgException(long block, string parentHash, long committedBlock, string committedHash, string why)
    : SourceHaltException(
        HaltReason.Reorg,
        $"{why}: block {block} has parentHash {parentHash}, but the committed block {committedBlock} has hash {committedHash}; the sink keeps the old chain up to block {committedBlock} and the worker halts — rewind it past the fork (to a block both chains hold) and resume it to index the new one")
{
    public long Block => block;
}
