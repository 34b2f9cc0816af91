using System.Globalization;

namespace Overseer.Sources.Evm;

/// <summary>Sequence numbers and source tokens of the <c>evm</c> kind, defined once.</summary>
/// <remarks>
/// <para>Blocks mode: seq = block number; token = that block's hash (<c>0x…</c>).</para>
/// <para>Logs mode: seq = blockNumber × 1,000,000 + logIndex, so <c>seq / 1_000_000</c> is the block and
/// <c>seq % 1_000_000</c> the log's index in it (e.g. 12,000,045 = block 12, log 45). Strictly increasing along the
/// chain, sparse. The token is <c>{blockNumber}:{hash}</c> of the last block <i>scanned</i> for the batch (ranges are
/// scanned whole, so it may lie past the last log's block): the next run scans from the block after it.</para>
/// <para>Either token may be followed by <c>|</c> and the <see cref="EvmJournal"/> of unfinalized blocks committed
/// (<c>{block}:{hash},…</c>, ascending), which a reorg is undone from.</para>
/// </remarks>
internal static class EvmPosition
{
    /// <summary>Positions reserved per block in logs mode; a block with more logs is refused, not truncated.</summary>
    public const long LogsPerBlock = 1_000_000;

    public static long LogSeq(long block, long logIndex) =>
        logIndex is >= 0 and < LogsPerBlock
            ? (block * LogsPerBlock) + logIndex
            : throw new InvalidOperationException($"block {block} has log index {logIndex}: the evm source numbers at most {LogsPerBlock} logs per block");

    public static long BlockOfLogSeq(long seq) => seq / LogsPerBlock;

    /// <summary>Separates a token from its journal.</summary>
    public const char JournalSeparator = '|';

    public static string LogsToken(long block, string hash) => string.Create(CultureInfo.InvariantCulture, $"{block}:{hash}");

    /// <summary>A token (blocks mode: the hash; logs mode: <see cref="LogsToken"/>) with its journal, if any.</summary>
    public static string WithJournal(string token, EvmJournal journal) =>
        journal.IsEmpty ? token : $"{token}{JournalSeparator}{journal}";

    /// <summary>A token without its journal, and the journal (empty when it has none: a token of an older version, or
    /// of a rewind).</summary>
    public static (string Token, EvmJournal Journal) SplitJournal(string token)
    {
        var bar = token.IndexOf(JournalSeparator, StringComparison.Ordinal);
        return bar < 0 ? (token, EvmJournal.Empty) : (token[..bar], EvmJournal.Parse(token[(bar + 1)..]));
    }

    /// <summary>The checkpoint that keeps every log of blocks up to <paramref name="block"/> and none after it.</summary>
    public static long LastLogSeqOf(long block) => ((block + 1) * LogsPerBlock) - 1;

    /// <summary>Parses a logs-mode token; null when it is not one.</summary>
    public static (long Block, string Hash)? ParseLogsToken(string token)
    {
        var colon = token.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && long.TryParse(token.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var block)
            ? (block, token[(colon + 1)..])
            : null;
    }
}
