namespace Overseer.Sources.Evm;

/// <summary>Poll handler of the <c>evm</c> kind: <c>eth_blockNumber</c>, then the next blocks or logs by number.</summary>
internal sealed class EvmPollHandler(EvmIndexer indexer) : Failover.IPullHandler
{
    public long? Head => indexer.Head;

    /// <summary>Whether blocks up to the safe head remain (a logs scan that ran out of its time budget).</summary>
    public bool HasWork => indexer.HasWork;

    public async Task<IReadOnlyList<SourceEvent>> FetchAsync(long after, CancellationToken cancellationToken)
    {
        await indexer.RefreshHeadAsync(cancellationToken).ConfigureAwait(false);
        return await indexer.NextAsync(after, cancellationToken).ConfigureAwait(false);
    }
}
