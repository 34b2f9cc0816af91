using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Overseer.Sources.Evm;

/// <summary>The hashes of the unfinalized blocks an <c>evm</c> worker committed (block number → hash, ascending), plus
/// one anchor at or below the finalized block: what a reorg is undone from. The common ancestor of the committed chain
/// and the node's is the newest entry whose hash the node still has; a chain that matches none of them, not even the
/// anchor, reorganized below finality (or deeper than the journal) and cannot be undone.</summary>
/// <remarks>It travels in the source token (<see cref="EvmPosition"/>), which every output commits atomically with
/// the checkpoint: so it is always exactly the committed chain's, with nothing to keep in step beside it, and a rewind
/// (which sets a token without a journal) starts a new one. Its size is bounded by <see cref="Limit"/> entries
/// (≈ 75 bytes each); the oldest go first.</remarks>
internal sealed class EvmJournal
{
    /// <summary>Entries kept at most: a reorg deeper than this many recorded blocks halts the worker.</summary>
    public const int Limit = 256;

    private const char EntrySeparator = ',';

    public static EvmJournal Empty { get; } = new([]);

    private EvmJournal(ImmutableArray<(long Block, string Hash)> entries) => Entries = entries;

    /// <summary>Block number → hash, ascending, no block twice.</summary>
    public ImmutableArray<(long Block, string Hash)> Entries { get; }

    public bool IsEmpty => Entries.IsEmpty;

    /// <summary>Parses the journal part of a token (after <see cref="EvmPosition.JournalSeparator"/>); empty for none.</summary>
    public static EvmJournal Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return Empty;
        }

        var entries = ImmutableArray.CreateBuilder<(long, string)>();
        foreach (var part in text.Split(EntrySeparator))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !long.TryParse(part.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var block))
            {
                throw new FormatException($"invalid evm journal entry '{part}' in a source token: expected {{block}}:{{hash}}");
            }

            entries.Add((block, part[(colon + 1)..]));
        }

        return new EvmJournal(entries.ToImmutable());
    }

    /// <summary>With the blocks of <paramref name="blocks"/> recorded (ascending, each above the last entry), then pruned
    /// to what is above <paramref name="finalized"/> plus one anchor at or below it, and to <see cref="Limit"/>.</summary>
    public EvmJournal Record(IEnumerable<(long Block, string Hash)> blocks, long finalized)
    {
        var entries = Entries.ToBuilder();
        foreach (var block in blocks)
        {
            if (entries.Count > 0 && block.Block <= entries[^1].Block)
            {
                throw new InvalidOperationException($"evm journal: block {block.Block} recorded after block {entries[^1].Block}");
            }

            entries.Add(block);
        }

        // Keep the newest entry at or below the finalized block as the anchor: a final block's hash cannot change, so it
        // is the ancestor of any reorg above finality; if it changed all the same, the reorg is below finality.
        var anchor = -1;
        for (var i = 0; i < entries.Count && entries[i].Block <= finalized; i++)
        {
            anchor = i;
        }

        var drop = Math.Max(anchor, entries.Count - Limit);
        if (drop > 0)
        {
            entries.RemoveRange(0, drop);
        }

        return new EvmJournal(entries.ToImmutable());
    }

    /// <summary>The entries up to <paramref name="block"/> inclusive (the chain after a rollback to it).</summary>
    public EvmJournal Through(long block) => new([.. Entries.TakeWhile(e => e.Block <= block)]);

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var (block, hash) in Entries)
        {
            if (text.Length > 0)
            {
                text.Append(EntrySeparator);
            }

            text.Append(CultureInfo.InvariantCulture, $"{block}:{hash}");
        }

        return text.ToString();
    }
}
