using System.Net.WebSockets;

namespace Overseer.Sources.Feeds;

/// <summary>Receives whole WebSocket messages (a message may span many frames) into one buffer that grows as needed and
/// is reused for every message of a connection; shared by the push handlers of <c>feed</c> and <c>evm</c>.</summary>
internal sealed class WebSocketMessageReader
{
    private byte[] _buffer = new byte[16 * 1024];
    private int _length;

    /// <summary>The bytes of the last message received (valid until the next receive), for parsing or for an error's
    /// preview.</summary>
    public ReadOnlyMemory<byte> Last => _buffer.AsMemory(0, _length);

    /// <summary>The next whole message. A close frame from the peer is a <see cref="FeedUnavailableException"/> naming
    /// <paramref name="endpoint"/>.</summary>
    public async Task<ReadOnlyMemory<byte>> ReceiveAsync(WebSocket socket, string endpoint, CancellationToken cancellationToken)
    {
        _length = 0;
        while (true)
        {
            if (_length == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            var result = await socket.ReceiveAsync(_buffer.AsMemory(_length), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new FeedUnavailableException($"{endpoint} was closed by the peer ({socket.CloseStatus} {socket.CloseStatusDescription})");
            }

            _length += result.Count;
            if (result.EndOfMessage)
            {
                return Last;
            }
        }
    }
}
