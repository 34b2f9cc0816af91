using System.Text.Json;
using Overseer.Sources.Feeds;

namespace Overseer.Sources.Evm;

/// <summary>The chain cursor both handlers of an <c>evm</c> source share: where the next block is, the hash it must
/// descend from, and the head. Fetches the next blocks (blocks mode) or the logs of the next block range (logs mode)
/// by number, up to the safe head (head − confirmations), and checks the chain before anything is returned.</summary>
/// <remarks>
/// <para>Reorg check: the first block returned must have <c>parentHash</c> = the hash of the block before it as last
/// committed (the resume token) or returned; every later block must descend from the one before it. A mismatch at the
/// start is a reorg deeper than confirmations (<see cref="EvmReorgException"/>: the worker halts); one inside a batch means the
/// chain moved while it was read (an outage: it is read again). Hashes chain, so checking the newest committed block
/// covers every block before it. In logs mode the headers of a range's first and last block are read in the same
/// JSON-RPC batch as its logs; logs of those blocks must carry their hashes.</para>
/// <para>Logs mode scans whole ranges of <c>batch</c> blocks; a range without matching logs advances the cursor in
/// memory only (nothing to commit), so a new run may scan it again. One call scans empty ranges for at most
/// <see cref="EmptyScanBudget"/>, well inside the push handler's stall time, then returns nothing.</para>
/// <para>A node behind the cursor (restarted from an older state, syncing, or one behind a load balancer): its head is
/// taken as it answers, lower or not, and a block it does not have yet is waited for (nothing is fetched until its
/// head passes the cursor), never taken for a reorg. Only a block the node has, whose parent is not what was
/// committed, is a reorg.</para>
/// <para>The head is the only state a push probe touches while a poll runs, so it alone is updated atomically.</para>
/// </remarks>
internal sealed class EvmIndexer(EvmRpcClient rpc, EvmSettings settings, string? resumeToken)
{
    private static readonly TimeSpan EmptyScanBudget = TimeSpan.FromSeconds(2);
    private long _head = -1;
    private long _next;
    private string? _parentHash;
    private long _expectAfter = -1;
    private string? _resumeToken = resumeToken;
    private EvmJournal _journal = EvmJournal.Empty;
    private long _finalized = -1;

    /// <summary>The newest head block number seen (HTTP or newHeads).</summary>
    public long? Head => Volatile.Read(ref _head) is var head and >= 0 ? head : null;

    /// <summary>The token of the last non-empty batch returned: what is committed with it.</summary>
    public string? LastToken { get; private set; }

    /// <summary>The highest seq a reorg can never roll back past, as of <see cref="LastToken"/>: the end of the oldest block
    /// of the journal (the ancestor of any reorg that can be undone is at or after it).</summary>
    public long FinalThrough => _journal.IsEmpty ? long.MaxValue
        : settings.LogsMode ? EvmPosition.LastLogSeqOf(_journal.Entries[0].Block)
        : _journal.Entries[0].Block;

    /// <summary>Whether a fetch may find something now: not yet positioned, or blocks up to the safe head remain.</summary>
    public bool HasWork => _next == 0 || (Head is { } head && _next <= head - settings.Confirmations);

    public void SeeHead(long head)
    {
        var seen = Volatile.Read(ref _head);
        while (head > seen && Interlocked.CompareExchange(ref _head, head, seen) is var actual && actual != seen)
        {
            seen = actual;
        }
    }

    /// <summary>Asks the node for its head, and takes its answer even when it is lower than a head seen before: a node
    /// restarted from an older state, or behind (syncing), is waited for, never asked for blocks it does not have yet.</summary>
    public async Task RefreshHeadAsync(CancellationToken cancellationToken)
    {
        var result = await rpc.CallAsync("eth_blockNumber", [], cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _head, EvmHex.Parse(result.GetString() ?? "", "eth_blockNumber"));
    }

    /// <summary>The next events after <paramref name="after"/> (the worker's checkpoint), up to the safe head; empty when caught up.</summary>
    public async Task<IReadOnlyList<SourceEvent>> NextAsync(long after, CancellationToken cancellationToken)
    {
        if (Head is null)
        {
            await RefreshHeadAsync(cancellationToken).ConfigureAwait(false);
        }

        if (after != _expectAfter)
        {
            await PositionAsync(after, SafeHead, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return settings.LogsMode
                ? await LogsAsync(after, cancellationToken).ConfigureAwait(false)
                : await BlocksAsync(after, cancellationToken).ConfigureAwait(false);
        }
        catch (FeedUnavailableException)
        {
            // A block missing, or logs refused, because the node is behind the head seen before (ponder#2221): nothing to
            // fetch until it catches up, which is a wait, not an outage that ends the run, and never a reorg.
            if (!await IsBehindAsync(cancellationToken).ConfigureAwait(false))
            {
                throw;
            }

            return [];
        }
    }

    /// <summary>Whether the node's head, asked again now, is below the next block to index (the safe head before it).</summary>
    private async Task<bool> IsBehindAsync(CancellationToken cancellationToken)
    {
        await RefreshHeadAsync(cancellationToken).ConfigureAwait(false);
        return _next > SafeHead;
    }

    /// <summary>The hash of block <paramref name="number"/> as the node has it now.</summary>
    public static async Task<string> HashOfAsync(EvmRpcClient rpc, long number, CancellationToken cancellationToken)
    {
        var block = await rpc.CallAsync("eth_getBlockByNumber", [EvmHex.Quantity(number), false], cancellationToken).ConfigureAwait(false);
        return block.ValueKind == JsonValueKind.Object
            ? EvmHex.String(block, "hash")
            : throw new FeedUnavailableException($"block {number} not found on {rpc.Url}");
    }

    /// <summary>Head − confirmations, as of the newest head seen (known once <see cref="NextAsync"/> has refreshed it).</summary>
    private long SafeHead => (Head ?? throw new InvalidOperationException("the head is not known yet")) - settings.Confirmations;

    private async Task PositionAsync(long after, long safe, CancellationToken cancellationToken)
    {
        // The resume token belongs to the run's first checkpoint only; a later reposition asks the node.
        var (token, journal) = _resumeToken is { } resume ? EvmPosition.SplitJournal(resume) : (null, EvmJournal.Empty);
        _resumeToken = null;
        var start = settings.From ?? Math.Max(1, safe);
        if (settings.LogsMode)
        {
            if (token is not null && EvmPosition.ParseLogsToken(token) is { } t)
            {
                (_next, _parentHash, _journal) = (t.Block + 1, t.Hash, journal);
            }
            else if (after == 0)
            {
                (_next, _parentHash, _journal) = (start, null, EvmJournal.Empty);
            }
            else
            {
                var block = EvmPosition.BlockOfLogSeq(after);
                (_next, _parentHash, _journal) = (block, await HashOfAsync(rpc, block - 1, cancellationToken).ConfigureAwait(false), _journal.Through(block - 1));
            }
        }
        else if (after == 0)
        {
            (_next, _parentHash, _journal) = (start, null, EvmJournal.Empty);
        }
        else
        {
            (_next, _parentHash) = (after + 1, token ?? await HashOfAsync(rpc, after, cancellationToken).ConfigureAwait(false));
            _journal = token is not null ? journal : _journal.Through(after);
        }

        _expectAfter = after;
    }

    private async Task<IReadOnlyList<SourceEvent>> BlocksAsync(long after, CancellationToken cancellationToken)
    {
        var safe = SafeHead;
        if (_next > safe)
        {
            return [];
        }

        var to = Math.Min(_next + settings.Batch - 1, safe);
        var calls = new List<(string, object?[])>();
        for (var n = _next; n <= to; n++)
        {
            calls.Add(("eth_getBlockByNumber", [EvmHex.Quantity(n), false]));
        }

        var finalized = AskFinalized(calls);
        var results = await rpc.BatchAsync(calls, cancellationToken, finalized).ConfigureAwait(false);
        var count = (int)(to - _next + 1);
        var events = new SourceEvent[count];
        var blocks = new (long, string)[count];
        var parent = _parentHash;
        for (var i = 0; i < count; i++)
        {
            var block = Block(results[i], _next + i);
            if (i == 0 && parent is not null && !Same(block.ParentHash, parent))
            {
                await RollBackAsync(block, after, cancellationToken).ConfigureAwait(false);
            }

            Check(block, parent);
            parent = block.Hash;
            events[i] = new SourceEvent(block.Number, block.ToPayload());
            blocks[i] = (block.Number, block.Hash);
        }

        SeeFinalized(finalized < 0 ? default : results[finalized]);
        _journal = _journal.Record(blocks, _finalized);
        (_next, _parentHash, LastToken, _expectAfter) = (to + 1, parent, EvmPosition.WithJournal(parent!, _journal), to);
        return events;
    }

    private async Task<IReadOnlyList<SourceEvent>> LogsAsync(long after, CancellationToken cancellationToken)
    {
        var scanning = System.Diagnostics.Stopwatch.StartNew();
        while (scanning.Elapsed < EmptyScanBudget)
        {
            var safe = SafeHead;
            if (_next > safe)
            {
                return [];
            }

            var from = _next;
            var to = Math.Min(from + settings.Batch - 1, safe);
            var filter = new Dictionary<string, object> { ["fromBlock"] = EvmHex.Quantity(from), ["toBlock"] = EvmHex.Quantity(to) };
            if (settings.Addresses.Count > 0)
            {
                filter["address"] = settings.Addresses;
            }

            if (settings.Topic0 is { } topic0)
            {
                filter["topics"] = new[] { topic0 };
            }

            List<(string, object?[])> calls =
                [("eth_getBlockByNumber", [EvmHex.Quantity(from), false]), ("eth_getBlockByNumber", [EvmHex.Quantity(to), false]), ("eth_getLogs", [filter])];
            var finalized = AskFinalized(calls);
            var results = await rpc.BatchAsync(calls, cancellationToken, finalized).ConfigureAwait(false);
            var first = Block(results[0], from);
            var last = Block(results[1], to);
            if (_parentHash is not null && !Same(first.ParentHash, _parentHash))
            {
                await RollBackAsync(first, after, cancellationToken).ConfigureAwait(false);
            }

            var events = new List<(long Seq, string Payload)>();
            var blocks = new SortedDictionary<long, string> { [from] = first.Hash, [to] = last.Hash };
            foreach (var element in results[2].EnumerateArray())
            {
                var log = EvmLog.From(element);
                if (log.Removed)
                {
                    continue;
                }

                if (log.BlockNumber < from || log.BlockNumber > to
                    || (log.BlockNumber == from && !Same(log.BlockHash, first.Hash))
                    || (log.BlockNumber == to && !Same(log.BlockHash, last.Hash))
                    || (blocks.TryGetValue(log.BlockNumber, out var known) && !Same(known, log.BlockHash)))
                {
                    throw new FeedUnavailableException($"eth_getLogs on {rpc.Url} for blocks {from}..{to} returned a log of block {log.BlockNumber} {log.BlockHash} that is not in that range of the chain just read (the chain moved while it was read)");
                }

                blocks[log.BlockNumber] = log.BlockHash;
                if (log.Seq > after)
                {
                    events.Add((log.Seq, log.ToPayload()));
                }
            }

            // The blocks of the range's logs and its ends are recorded (the blocks between them are not read; a reorg of
            // one of them is rolled back to the newest recorded block before it, which is as good).
            SeeFinalized(finalized < 0 ? default : results[finalized]);
            _journal = _journal.Record(blocks.Select(b => (b.Key, b.Value)), _finalized);
            (_next, _parentHash) = (to + 1, last.Hash);
            if (events.Count > 0)
            {
                events.Sort((a, b) => a.Seq.CompareTo(b.Seq));
                LastToken = EvmPosition.WithJournal(EvmPosition.LogsToken(to, last.Hash), _journal);
                _expectAfter = events[^1].Seq;
                return [.. events.Select(e => new SourceEvent(e.Seq, e.Payload))];
            }
        }

        return [];
    }

    /// <summary>Adds the node's finalized block to <paramref name="calls"/> unless a finality depth is configured; its
    /// index, or −1.</summary>
    private int AskFinalized(List<(string, object?[])> calls)
    {
        if (settings.Finality is not null)
        {
            return -1;
        }

        calls.Add(("eth_getBlockByNumber", ["finalized", false]));
        return calls.Count - 1;
    }

    /// <summary>The final block, never lower than one seen before: the node's <c>finalized</c> block (a node without
    /// that tag: head − <see cref="EvmSettings.DefaultFinality"/>), or head − <see cref="EvmSettings.Finality"/>. A node
    /// that is behind may answer lower; that is not a reorg, and changes nothing.</summary>
    private void SeeFinalized(JsonElement tag)
    {
        var head = Head ?? 0;
        var finalized = settings.Finality is { } depth ? head - depth
            : tag.ValueKind == JsonValueKind.Object ? EvmHex.Long(tag, "number")
            : head - EvmSettings.DefaultFinality;
        _finalized = Math.Max(_finalized, finalized);
    }

    /// <summary><paramref name="first"/>, the next block, does not descend from the block committed before it: the
    /// common ancestor is the newest block of the journal that the node still has with the recorded hash. Throws
    /// <see cref="SourceRollbackException"/> to it, having positioned this indexer after it; or, when the chain matches no
    /// recorded block (not even the final anchor), <see cref="EvmReorgException"/>: the worker halts. A recorded block
    /// the node does not have (behind, syncing) is an outage (<see cref="FeedUnavailableException"/>), not a reorg.</summary>
    private async Task RollBackAsync(EvmBlock first, long after, CancellationToken cancellationToken)
    {
        var (tip, tipHash) = (first.Number - 1, _parentHash!);
        var entries = _journal.Entries;
        (long Block, string Hash)? ancestor = null;
        if (!entries.IsEmpty)
        {
            var results = await rpc.BatchAsync([.. entries.Select(e => ("eth_getBlockByNumber", new object?[] { EvmHex.Quantity(e.Block), false }))], cancellationToken).ConfigureAwait(false);
            for (var i = entries.Length - 1; i >= 0 && ancestor is null; i--)
            {
                if (Same(Block(results[i], entries[i].Block).Hash, entries[i].Hash))
                {
                    ancestor = entries[i];
                }
            }
        }

        if (ancestor is not { } found)
        {
            var why = settings.Finality == 0 ? "reorg of a committed block with finality=0 (every indexed block is final)"
                : entries.IsEmpty ? "reorg of a committed block with no unfinalized block recorded since the checkpoint was set (a rewind, or a token of an older version)"
                : $"reorg below the finalized block (or deeper than the journal: none of the blocks recorded from block {entries[0].Block}, the newest final one, to block {entries[^1].Block} is on the chain any more)";
            throw new EvmReorgException(first.Number, first.ParentHash, tip, tipHash, why);
        }

        var journal = _journal.Through(found.Block);
        var (toSeq, token) = settings.LogsMode
            ? (Math.Min(after, EvmPosition.LastLogSeqOf(found.Block)), EvmPosition.LogsToken(found.Block, found.Hash))
            : (found.Block, found.Hash);
        token = EvmPosition.WithJournal(token, journal);
        var depth = tip - found.Block;
        (_next, _parentHash, _journal, _expectAfter, LastToken) = (found.Block + 1, found.Hash, journal, toSeq, token);
        throw new SourceRollbackException(
            toSeq,
            token,
            depth,
            $"reorg of depth {depth}: block {tip} was {tipHash} and is now {first.ParentHash} (the parent of block {first.Number}); the common ancestor is block {found.Block} {found.Hash}");
    }

    private EvmBlock Block(JsonElement result, long number)
    {
        if (result.ValueKind != JsonValueKind.Object)
        {
            throw new FeedUnavailableException($"block {number} not found on {rpc.Url} (head {Head}): the node is behind or restarting");
        }

        var block = EvmBlock.From(result);
        return block.Number == number ? block : throw new FeedUnavailableException($"asked {rpc.Url} for block {number}, got block {block.Number}");
    }

    private void Check(EvmBlock block, string? parent)
    {
        if (parent is null || Same(block.ParentHash, parent))
        {
            return;
        }

        throw new FeedUnavailableException($"block {block.Number} on {rpc.Url} has parentHash {block.ParentHash}, not the hash {parent} of the block just read before it (the chain moved while it was read)");
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
