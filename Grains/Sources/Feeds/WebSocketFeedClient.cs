using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;

namespace Overseer.Sources.Feeds;

/// <summary>Push handler core: one WebSocket on <c>{feed}/stream?after=</c>. It checks that the stream is
/// contiguous and throws on anything unexpected (closed, gap, bad message) so the caller can reconnect or fail over.</summary>
/// <remarks>Cursor rule: the connection has delivered up to <c>_lastSeen</c>. A caller ahead of it (events committed
/// through another handler) skips what it already has; a caller behind it reconnects from its own cursor.</remarks>
internal sealed class WebSocketFeedClient(FeedUrl url) : Failover.IPushHandler
{
    private ClientWebSocket? _socket;
    private FeedMessage? _pending;
    private long _lastSeen;
    private readonly WebSocketMessageReader _reader = new();

    public long? Head { get; private set; }

    public bool IsConnected => _socket is { State: WebSocketState.Open };

    public async Task ConnectAsync(long after, CancellationToken cancellationToken)
    {
        await ResetAsync().ConfigureAwait(false);
        var socket = new ClientWebSocket();
        try
        {
            await socket.ConnectAsync(url.Stream(after), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException)
        {
            socket.Dispose();
            throw new FeedUnavailableException($"cannot open {url}/stream: {ex.Message}", ex);
        }

        _socket = socket;
        _lastSeen = after;
    }

    /// <summary>Connects from <paramref name="after"/> and waits for the first message (events or heartbeat),
    /// which is kept for the next <see cref="ReceiveAsync"/>.</summary>
    public async Task ProbeAsync(long after, CancellationToken cancellationToken)
    {
        await ConnectAsync(after, cancellationToken).ConfigureAwait(false);
        _pending = await ReadMessageAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The next events after <paramref name="after"/>; empty when a heartbeat arrived first.</summary>
    public async Task<IReadOnlyList<SourceEvent>> ReceiveAsync(long after, CancellationToken cancellationToken)
    {
        if (!IsConnected || after < _lastSeen)
        {
            await ConnectAsync(after, cancellationToken).ConfigureAwait(false);
        }

        while (true)
        {
            var message = _pending ?? await ReadMessageAsync(cancellationToken).ConfigureAwait(false);
            _pending = null;
            Head = message.Head;
            if (message.Type == "heartbeat")
            {
                return [];
            }

            var events = new List<SourceEvent>();
            foreach (var e in message.Events ?? [])
            {
                if (e.Seq != _lastSeen + 1)
                {
                    await ResetAsync().ConfigureAwait(false);
                    throw new FeedUnavailableException($"{url}/stream sent seq {e.Seq} after {_lastSeen}: gap or repeat on the stream");
                }

                _lastSeen = e.Seq;
                if (e.Seq > after)
                {
                    events.Add(new SourceEvent(e.Seq, e.Payload));
                }
            }

            if (events.Count > 0)
            {
                return events;
            }
        }
    }

    public async Task ResetAsync()
    {
        _pending = null;
        if (_socket is { } socket)
        {
            _socket = null;
            socket.Abort();
            socket.Dispose();
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => new(ResetAsync());

    private async Task<FeedMessage> ReadMessageAsync(CancellationToken cancellationToken)
    {
        var socket = _socket ?? throw new FeedUnavailableException($"{url}/stream is not connected");
        try
        {
            var message = await _reader.ReceiveAsync(socket, $"{url}/stream", cancellationToken).ConfigureAwait(false);
            return JsonSerializer.Deserialize<FeedMessage>(message.Span, FeedJson.Options)
                ?? throw new FeedUnavailableException($"{url}/stream sent an empty message");
        }
        catch (Exception ex) when (ex is WebSocketException or JsonException)
        {
            await ResetAsync().ConfigureAwait(false);
            throw new FeedUnavailableException($"{url}/stream failed: {ex.Message}", ex);
        }
        catch (OperationCanceledException)
        {
            // A timed-out receive leaves the socket unusable (.NET aborts it); start clean next time.
            await ResetAsync().ConfigureAwait(false);
            throw;
        }
    }
}
