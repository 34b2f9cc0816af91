using Overseer.Sources.Feeds;

namespace Overseer.Sources.WebSockets;

/// <summary><c>websocket</c>: follows the feed's stream; reconnects from the checkpoint with backoff on a drop or a
/// stall, and crashes the run only after <c>maxOutageMs</c> without a working connection.</summary>
internal sealed class WebSocketSource(WebSocketFeedClient client, FeedSettings settings, TimeProvider time) : IEventSource, ISourceHandlerStatus
{
    private DateTimeOffset? _downSince;
    private TimeSpan _backoff = TimeSpan.FromMilliseconds(100);

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
                _downSince = null;
                _backoff = TimeSpan.FromMilliseconds(100);
                return new SourceBatch(events, Exhausted: false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is FeedUnavailableException or OperationCanceledException)
            {
                await client.ResetAsync().ConfigureAwait(false);
                var now = time.GetUtcNow();
                _downSince ??= now;
                if (now - _downSince >= settings.MaxOutage)
                {
                    throw new FeedUnavailableException($"{settings.Url}/stream unusable for {(now - _downSince.Value).TotalSeconds:0} s: {ex.Message}", ex);
                }

                await Task.Delay(_backoff, time, cancellationToken).ConfigureAwait(false);
                _backoff = TimeSpan.FromMilliseconds(Math.Min(_backoff.TotalMilliseconds * 2, 5000));
            }
        }
    }

    public ValueTask DisposeAsync() => client.DisposeAsync();
}
