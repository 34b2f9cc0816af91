using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;

namespace Overseer.Tests.ReferenceSource;

/// <summary>A client of <c>/feeds/{feed}/stream</c> that reads whole messages with a deadline.</summary>
/// <remarks>
/// A timed-out receive aborts a <see cref="ClientWebSocket"/>, so a timeout ends the socket: tests that expect
/// silence measure the gap between messages instead of waiting for a receive to time out.
/// </remarks>
internal sealed class FeedSocket : IAsyncDisposable
{
    private readonly ClientWebSocket socket;
    private readonly byte[] buffer = new byte[64 * 1024];
    private readonly string name;

    private FeedSocket(ClientWebSocket socket, string name)
    {
        this.socket = socket;
        this.name = name;
    }

    public WebSocketState State => socket.State;

    /// <summary>Connects, failing with the HTTP status if the server refuses.</summary>
    public static async Task<FeedSocket> ConnectAsync(Uri uri, TimeSpan timeout)
    {
        var (socket, status) = await TryConnectAsync(uri, timeout);
        return socket ?? throw new InvalidOperationException($"WebSocket {uri} was refused with {(int)status} {status}.");
    }

    /// <summary>Connects; on refusal returns no socket and the HTTP status of the refusal.</summary>
    public static async Task<(FeedSocket? Socket, HttpStatusCode Status)> TryConnectAsync(Uri uri, TimeSpan timeout)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(uri, deadline.Token);
            return (new FeedSocket(socket, uri.ToString()), socket.HttpStatusCode);
        }
        catch (WebSocketException) when (socket.HttpStatusCode != 0)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            return (null, status);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"WebSocket {uri} did not connect within {timeout.TotalSeconds:0.#} s.");
        }
    }

    /// <summary>The next message.</summary>
    /// <param name="timeout">How long to wait; on timeout the socket is aborted.</param>
    /// <param name="awaiting">What the test waits for, for the timeout message.</param>
    /// <exception cref="TimeoutException">No whole message arrived in time.</exception>
    /// <exception cref="WebSocketException">The connection ended without a close handshake.</exception>
    /// <exception cref="InvalidOperationException">The server closed the socket.</exception>
    public async Task<Wire.Message> ReceiveAsync(TimeSpan timeout, string awaiting)
    {
        using var deadline = new CancellationTokenSource(timeout);
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, deadline.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    throw new InvalidOperationException(
                        $"{name} was closed by the server ({result.CloseStatus} '{result.CloseStatusDescription}') while awaiting {awaiting}.");
                }

                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    return JsonSerializer.Deserialize<Wire.Message>(message.ToArray(), Wire.Json)
                        ?? throw new InvalidOperationException($"{name} sent a JSON null.");
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"{name}: no message within {timeout.TotalSeconds:0.#} s while awaiting {awaiting}.");
        }
    }

    /// <summary>Reads messages until the connection ends, and rethrows how it ended.</summary>
    /// <exception cref="TimeoutException">It had not ended within <paramref name="timeout"/>.</exception>
    public async Task ReadUntilEndAsync(TimeSpan timeout, string awaiting)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"{name}: still open after {timeout.TotalSeconds:0.#} s while awaiting {awaiting}.");
            }

            await ReceiveAsync(left, awaiting);
        }
    }

    /// <summary>Closes with a handshake, waiting for the server's close frame.</summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", deadline.Token);
    }

    public ValueTask DisposeAsync()
    {
        socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
