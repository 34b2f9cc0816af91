using Overseer.Sources.Feeds;

namespace Overseer.Sources.WebSockets;

/// <summary><c>websocket</c>: follows the feed's stream; reconnects from the checkpoint with backoff on a drop or a
/// stall, and crashes the run only after <c>maxOutageMs</c> without a working connection.</summary>
internal sealed class WebSocketSource(WebSocketFeedClient client, FeedSettings settings, TimeProvider time) : IEventSource, ISourceHandlerStatus
{
    private readonly OutageGuard _outage = new($"{settings.Url}/stream", settings.MaxOutage, time);

    public string Handler => "push";

    public int Failovers => 0;

    public long? Head => client.Head;

    public async Task<SourceBatch> FetchAsync(long after, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                stall.CancelAfter(settings.Stall);
                var events = await client.ReceiveAsync(after, stall.Token).ConfigureAwait(false);
                _outage.Succeeded();
                return new SourceBatch(events, Exhausted: false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is FeedUnavailableException or OperationCanceledException)
            {
                await client.ResetAsync().ConfigureAwait(false);
                await _outage.BackOffAsync(ex, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public ValueTask DisposeAsync() => client.DisposeAsync();
}
