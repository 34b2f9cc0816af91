using Overseer.Errors;
using Overseer.Sources.Failover;
using Overseer.Sources.Feeds;
using Overseer.Sources.Polling;

namespace Overseer.Sources.Evm;

/// <summary>The <c>evm</c> source kind: indexes an Ethereum JSON-RPC node, blocks (one event per block, seq = block
/// number) or logs (one event per matching log, seq from <see cref="EvmPosition"/>), push over
/// <c>eth_subscribe("newHeads")</c> with HTTP-poll fallback and switch-back (as <c>feed</c>), reorg-checked through the
/// committed token. Options: see <see cref="EvmSettings"/>.</summary>
/// <remarks>Declared sparse in both modes: blocks mode may start at any <c>from</c>, which a dense sequence (first
/// batch = checkpoint + 1 = 1) would refuse. Blocks are still contiguous: each batch starts right after the checkpoint
/// and every block's parentHash is checked against the one before it, which is stronger than the sink's gap check.</remarks>
internal sealed class EvmSourceFactory(IHttpClientFactory http, TimeProvider time, FailoverSources failover) : IEventSourceFactory
{
    public const string Kind = "evm";

    private static readonly TimeSpan MaxProbeInterval = TimeSpan.FromSeconds(10);

    public SequenceDensity Density => SequenceDensity.Sparse;

    public IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> options) => EvmSettings.Read(Kind, options).Problems;

    public IEventSource Create(SourceContext context)
    {
        var settings = Settings(context);
        var indexer = new EvmIndexer(Rpc(settings), settings, context.ResumeToken);
        var poll = new EvmPollHandler(indexer);
        IEventSource handlers = settings.Ws is not { } ws
            ? new PollSource(new PollLoop(poll, settings.Rpc.ToString(), settings.Interval, settings.MaxOutage, time, () => poll.HasWork))
            : failover.Create(
                context,
                new EvmHeadSubscription(ws, indexer),
                poll,
                new FailoverOptions
                {
                    PushName = ws.ToString(),
                    PullName = settings.Rpc.ToString(),
                    Stall = settings.Stall,
                    PollInterval = settings.Interval,
                    MaxOutage = settings.MaxOutage,
                    MaxProbeInterval = MaxProbeInterval,
                });
        return new EvmSource(handlers, indexer, settings.LogsMode);
    }

    /// <summary>Blocks mode: the hash of block <paramref name="seq"/>. Logs mode: <c>{b−1}:{hash of b−1}</c> for the block
    /// b of <paramref name="seq"/>, so the run scans block b again and keeps only logs past <paramref name="seq"/>.</summary>
    public async ValueTask<string?> TokenAtAsync(SourceContext context, long seq, CancellationToken cancellationToken)
    {
        if (seq <= 0)
        {
            return null;
        }

        var settings = Settings(context);
        var block = settings.LogsMode ? EvmPosition.BlockOfLogSeq(seq) - 1 : seq;
        try
        {
            var hash = await EvmIndexer.HashOfAsync(Rpc(settings), block, cancellationToken).ConfigureAwait(false);
            return settings.LogsMode ? EvmPosition.LogsToken(block, hash) : hash;
        }
        catch (FeedUnavailableException ex)
        {
            throw OverseerException.Invalid($"cannot rewind worker '{context.WorkerId}' to {seq}: the hash of block {block} is needed and {ex.Message}");
        }
    }

    private static EvmSettings Settings(SourceContext context) =>
        EvmSettings.Read(Kind, context.Options).Settings ?? throw new ArgumentException($"invalid options for {Kind}", nameof(context));

    private EvmRpcClient Rpc(EvmSettings settings) => new(http.CreateClient(SourceHttp.ClientName), settings.Rpc);
}
