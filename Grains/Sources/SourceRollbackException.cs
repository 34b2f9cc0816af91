namespace Overseer.Sources;

/// <summary>Thrown by a source (<see cref="IEventSource.FetchAsync"/>) whose history changed under what was committed
/// (a chain reorganization it can undo): every effect after <see cref="ToSeq"/> is removed and the checkpoint and token
/// move back to <see cref="ToSeq"/> and <see cref="Token"/>, in one fenced step of the worker's output; then the same
/// run fetches again, from there, on the new history. No restart is counted. An output that cannot undo effects halts
/// the worker instead (<see cref="Models.HaltReason.Reorg"/>), as a source does with <see cref="SourceHaltException"/>
/// when it cannot find where the histories part.</summary>
/// <remarks>The source has already positioned itself after <see cref="ToSeq"/> when it throws: it is used again as it
/// is if the rollback commits, and dropped with the run if it does not.</remarks>
/// <param name="toSeq">The last sequence number both histories hold: what the checkpoint becomes (≤ the checkpoint).</param>
/// <param name="token">The source token to commit with it.</param>
/// <param name="depth">How far the history changed, in the source's own units (an evm source: blocks).</param>
/// <param name="message">What changed, naming the old and the new history (e.g. both hashes of a block).</param>
public sealed class SourceRollbackException(long toSeq, string? token, long depth, string message) : Exception(message)
{
    public long ToSeq => toSeq;

    public string? Token => token;

    public long Depth => depth;
}
