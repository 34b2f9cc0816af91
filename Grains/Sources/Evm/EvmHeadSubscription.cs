using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Overseer.Sources.Feeds;

namespace Overseer.Sources.Evm;

/// <summary>Push handler of the <c>evm</c> kind: <c>eth_subscribe("newHeads")</c> on a WebSocket says how far the
/// worker may index; the blocks or logs themselves are fetched by number through the shared <see cref="EvmIndexer"/>.
/// Throws on anything unexpected (closed, bad message, no head within the stall time) so the failover source switches
/// to polling.</summary>
internal sealed class EvmHeadSubscription(Uri ws, EvmIndexer indexer) : Failover.IPushHandler
{
    private ClientWebSocket? _socket;
    private readonly WebSocketMessageReader _reader = new();
    private bool _pendingHead;

    public long? Head => indexer.Head;

    public async Task<IReadOnlyList<SourceEvent>> ReceiveAsync(long after, CancellationToken cancellationToken)
    {
        if (_socket is not { State: WebSocketState.Open })
        {
            await ConnectAsync(cancellationToken).ConfigureAwait(false);
            await indexer.RefreshHeadAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!indexer.HasWork && !_pendingHead)
        {
            await ReadHeadAsync(cancellationToken).ConfigureAwait(false);
        }

        _pendingHead = false;

        // Empty = a head that allows nothing new yet (the heartbeat of this handler).
        return indexer.HasWork ? await indexer.NextAsync(after, cancellationToken).ConfigureAwait(false) : [];
    }

    /// <summary>Subscribes and waits for the first new head; throws if push is unhealthy.</summary>
    public async Task ProbeAsync(long after, CancellationToken cancellationToken)
    {
        await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await ReadHeadAsync(cancellationToken).ConfigureAwait(false);
        _pendingHead = true;
    }

    public Task ResetAsync()
    {
        _pendingHead = false;
        if (_socket is { } socket)
        {
            _socket = null;
            socket.Abort();
            socket.Dispose();
        }

        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => new(ResetAsync());

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        await ResetAsync().ConfigureAwait(false);
        var socket = new ClientWebSocket();
        try
        {
            await socket.ConnectAsync(ws, cancellationToken).ConfigureAwait(false);
            _socket = socket;
            var subscribe = """{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]}"""u8.ToArray();
            await socket.SendAsync(subscribe, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            using var answer = await ReadMessageAsync(cancellationToken).ConfigureAwait(false);
            if (!answer.RootElement.TryGetProperty("result", out var id) || id.ValueKind != JsonValueKind.String)
            {
                throw new FeedUnavailableException($"eth_subscribe(newHeads) on {ws} answered {answer.RootElement.GetRawText()}");
            }
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException)
        {
            await ResetAsync().ConfigureAwait(false);
            socket.Dispose();
            throw new FeedUnavailableException($"cannot subscribe to newHeads on {ws}: {ex.Message}", ex);
        }
        catch
        {
            await ResetAsync().ConfigureAwait(false);
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Waits for the next <c>eth_subscription</c> notification and records its head.</summary>
    private async Task ReadHeadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            using var message = await ReadMessageAsync(cancellationToken).ConfigureAwait(false);
            var root = message.RootElement;
            if (root.TryGetProperty("params", out var p) && p.TryGetProperty("result", out var header) && header.ValueKind == JsonValueKind.Object)
            {
                indexer.SeeHead(EvmHex.Long(header, "number"));
                return;
            }
        }
    }

    private async Task<JsonDocument> ReadMessageAsync(CancellationToken cancellationToken)
    {
        var socket = _socket ?? throw new FeedUnavailableException($"{ws} is not connected");
        try
        {
            return JsonDocument.Parse(await _reader.ReceiveAsync(socket, ws.ToString(), cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is WebSocketException or JsonException)
        {
            await ResetAsync().ConfigureAwait(false);
            throw new FeedUnavailableException($"{ws} failed: {ex.Message} ({Encoding.UTF8.GetString(_reader.Last.Span[..Math.Min(_reader.Last.Length, 200)])})", ex);
        }
        catch (OperationCanceledException)
        {
            // A timed-out receive leaves the socket unusable (.NET aborts it); start clean next time.
            await ResetAsync().ConfigureAwait(false);
            throw;
        }
    }
}
