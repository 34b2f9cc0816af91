using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using Overseer.ReferenceSource.Faults;
using Overseer.ReferenceSource.Feeds;
using Overseer.ReferenceSource.Wire;

namespace Overseer.ReferenceSource.Streaming;

/// <summary>
/// One WebSocket subscription: pushes every event after a cursor in order, up to
/// <see cref="MaxEventsPerMessage"/> per message, and a heartbeat whenever it has been silent for the heartbeat
/// interval. The cursor only moves forward by what was sent, so one connection never skips or repeats a seq.
/// </summary>
/// <remarks>
/// Faults are re-read whenever <see cref="FaultBoard.Changed"/> fires: <c>ws-drop</c> aborts the socket (no close
/// handshake, as a network failure would), <c>ws-stall</c> sends nothing until it ends and then resumes from the
/// cursor. A send already in progress finishes first, so a client that stopped reading notices a drop only once
/// that send completes or the connection dies.
/// </remarks>
internal sealed class FeedStream(WebSocket socket, Feed feed, FaultBoard faults, TimeSpan heartbeat, TimeProvider time) : IDisposable
{
    public const int MaxEventsPerMessage = 100;

    // At high rates an idle socket would otherwise wake for every single event; 10 ms batches them without
    // adding noticeable latency.
    private static readonly TimeSpan MinWait = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private readonly ArrayBufferWriter<byte> buffer = new(4096);
    private Utf8JsonWriter? writer;

    /// <summary>Streams until the client closes, the connection dies, a <c>ws-drop</c>, or <paramref name="stopping"/>.</summary>
    /// <param name="after">The last seq the client already has; the first event sent is <c>after + 1</c>.</param>
    /// <param name="aborted">The connection is gone.</param>
    /// <param name="stopping">The server is shutting down: the socket is closed with 1001 (going away).</param>
    public async Task RunAsync(long after, CancellationToken aborted, CancellationToken stopping)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(aborted, stopping);
        var receiving = ReceiveUntilCloseAsync(stop, aborted);
        var dropped = false;
        try
        {
            dropped = await SendLoopAsync(after, stop.Token, aborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // Closed by the client, the connection died, or the server is stopping: handled below.
        }

        if (dropped)
        {
            socket.Abort();
        }
        else if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            await CloseAsync(stopping.IsCancellationRequested, aborted);
        }

        // The client's close frame (or the abort) ends the receive loop; do not wait on a client that never answers.
        if (await Task.WhenAny(receiving, Task.Delay(CloseTimeout, time, CancellationToken.None)) != receiving)
        {
            socket.Abort();
        }

        await receiving;
    }

    public void Dispose() => writer?.Dispose();

    /// <returns>True when a <c>ws-drop</c> fault ended the stream.</returns>
    private async Task<bool> SendLoopAsync(long after, CancellationToken stop, CancellationToken aborted)
    {
        var cursor = after;
        long? lastSent = null;
        while (true)
        {
            stop.ThrowIfCancellationRequested();
            var changed = faults.Changed; // before reading the faults, so that no change is missed
            if (faults.IsActive(FaultMode.WsDrop, feed.Name))
            {
                return true;
            }

            if (faults.IsActive(FaultMode.WsStall, feed.Name))
            {
                await WaitAsync(Timeout.InfiniteTimeSpan, changed, stop);
                continue;
            }

            // Sends use only the connection's token: cancelling a send aborts the socket, and a client that is
            // closing or a server that is stopping should get a close handshake instead.
            var head = feed.Head;
            if (head > cursor)
            {
                var count = (int)Math.Min(head - cursor, MaxEventsPerMessage);
                await SendAsync(StreamMessage.ForEvents(feed.Read(cursor, count), head), aborted);
                cursor += count;
                lastSent = time.GetTimestamp();
                continue;
            }

            var silent = lastSent is { } sent ? time.GetElapsedTime(sent) : heartbeat;
            if (silent >= heartbeat)
            {
                await SendAsync(StreamMessage.Heartbeat(head), aborted);
                lastSent = time.GetTimestamp();
                continue;
            }

            var wait = feed.TimeUntil(cursor + 1, heartbeat - silent);
            await WaitAsync(wait < MinWait ? MinWait : wait, changed, stop);
        }
    }

    /// <summary>Waits for <paramref name="delay"/> or a fault change; throws only when <paramref name="stop"/> fires.</summary>
    private async Task WaitAsync(TimeSpan delay, CancellationToken changed, CancellationToken stop)
    {
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(changed, stop);
        try
        {
            await Task.Delay(delay, time, wake.Token);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            // A fault was set, cleared or expired: look again.
        }
    }

    private async Task SendAsync(StreamMessage message, CancellationToken cancellationToken)
    {
        buffer.ResetWrittenCount();
        writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        JsonSerializer.Serialize(writer, message, ReferenceSourceJson.Wire.StreamMessage);
        writer.Flush();
        await socket.SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
    }

    /// <summary>Reads (and ignores) what the client sends until its close frame; then stops the send loop.</summary>
    private async Task ReceiveUntilCloseAsync(CancellationTokenSource stop, CancellationToken aborted)
    {
        var scratch = new byte[256];
        try
        {
            while ((await socket.ReceiveAsync(scratch.AsMemory(), aborted)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // Aborted (by us on ws-drop, or by the connection dying): nothing more to read.
        }
        finally
        {
            await stop.CancelAsync();
        }
    }

    private async Task CloseAsync(bool serverStopping, CancellationToken aborted)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        timeout.CancelAfter(CloseTimeout);
        try
        {
            await socket.CloseOutputAsync(
                serverStopping ? WebSocketCloseStatus.EndpointUnavailable : WebSocketCloseStatus.NormalClosure,
                serverStopping ? "server shutting down" : null,
                timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The client went away meanwhile; nothing left to close.
        }
    }
}
