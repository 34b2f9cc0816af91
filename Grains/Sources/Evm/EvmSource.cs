namespace Overseer.Sources.Evm;

/// <summary>An <c>evm</c> source: the handlers (push with poll fallback, or poll only) plus the token of each batch —
/// the hash the next batch's first block must descend from, committed atomically with it.</summary>
internal sealed class EvmSource(IEventSource handlers, EvmIndexer indexer, bool logsMode) : IEventSource, ISourceHandlerStatus
{
    public string Handler => (handlers as ISourceHandlerStatus)?.Handler ?? "poll";

    public int Failovers => (handlers as ISourceHandlerStatus)?.Failovers ?? 0;

    /// <summary>Blocks mode: the chain's head block (lag = head − checkpoint in blocks). Logs mode: none, because a log's
    /// position is not comparable with a block number (<see cref="EvmPosition"/>).</summary>
    public long? Head => logsMode ? null : indexer.Head;

    public async Task<SourceBatch> FetchAsync(long after, CancellationToken cancellationToken)
    {
        var batch = await handlers.FetchAsync(after, cancellationToken).ConfigureAwait(false);
        return batch.Events.Count == 0 ? batch : batch with { Token = indexer.LastToken, FinalThrough = indexer.FinalThrough };
    }

    public ValueTask DisposeAsync() => handlers.DisposeAsync();
}
