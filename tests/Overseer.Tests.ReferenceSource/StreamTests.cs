using System.Diagnostics;
using System.Net;
using Overseer.ReferenceSource.Feeds;
using Overseer.Testing;

namespace Overseer.Tests.ReferenceSource;

/// <summary><c>/feeds/{feed}/stream</c>: every event after the cursor, in order, once; heartbeats when idle.</summary>
public sealed class StreamTests(SourceFixture fixture) : IClassFixture<SourceFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private ReferenceSourceProcess Source => fixture.Source;

    [Fact]
    public async Task Stream_FromAfter_DeliversContiguousSeqsWithoutGapOrDuplicate()
    {
        var feed = Feeds.Unique("live");
        const long after = 25;
        await using var socket = await FeedSocket.ConnectAsync(Source.StreamUri(feed, after), Timeout);

        var cursor = after;
        var messages = 0;
        while (cursor < after + 400)
        {
            var message = await socket.ReceiveAsync(Timeout, $"events after {cursor} of {feed}");
            messages++;
            if (message.Type == "heartbeat")
            {
                Assert.True(message.Head <= cursor, $"heartbeat with head {message.Head} while events after {cursor} were due");
                continue;
            }

            Assert.Equal("events", message.Type);
            Assert.NotNull(message.Events);
            Assert.InRange(message.Events.Length, 1, 100);
            foreach (var e in message.Events)
            {
                Assert.True(e.Seq == cursor + 1, $"message {messages}: expected seq {cursor + 1}, got {e.Seq} (gap or duplicate)");
                Assert.Equal(FeedPayload.For(feed, e.Seq), e.Payload);
                cursor = e.Seq;
            }

            Assert.True(message.Head >= cursor, $"message {messages}: head {message.Head} below its last event {cursor}");
        }
    }

    [Fact]
    public async Task Stream_WithABacklog_SendsItInMessagesOfAtMost100()
    {
        var feed = Feeds.Unique("backlog");
        await Eventually.UntilAsync(
            () => Source.GetHeadAsync(feed), head => head >= 250, Timeout, head => $"feed {feed} to reach head 250, was {head}");
        await using var socket = await FeedSocket.ConnectAsync(Source.StreamUri(feed), Timeout);

        var first = await socket.ReceiveAsync(Timeout, "the first 100 events of the backlog");
        var second = await socket.ReceiveAsync(Timeout, "the next 100 events of the backlog");

        Assert.Equal("events", first.Type);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), first.Events!.Select(e => e.Seq));
        Assert.Equal(Enumerable.Range(101, 100).Select(i => (long)i), second.Events!.Select(e => e.Seq));
        Assert.True(first.Head >= 250, $"head {first.Head}, expected at least 250");
    }

    [Fact]
    public async Task Stream_WhenCaughtUp_SendsOnlyHeartbeats_NoFasterThanTheInterval()
    {
        var feed = Feeds.Unique("idle");
        const long after = 1_000_000; // far beyond the head: nothing to send for a long time
        var clock = Stopwatch.StartNew();
        await using var socket = await FeedSocket.ConnectAsync(Source.StreamUri(feed, after), Timeout);

        var heartbeats = new List<Wire.Message>();
        for (var i = 0; i < 4; i++)
        {
            heartbeats.Add(await socket.ReceiveAsync(Timeout, $"heartbeat {i + 1} of 4 on {feed}"));
        }

        var elapsed = clock.Elapsed;
        Assert.All(heartbeats, m => Assert.Equal("heartbeat", m.Type));
        Assert.All(heartbeats, m => Assert.Null(m.Events));
        Assert.All(heartbeats, m => Assert.InRange(m.Head, 0, after - 1));
        Assert.Equal(heartbeats.Select(m => m.Head).Order(), heartbeats.Select(m => m.Head));

        // The first heartbeat goes out at once; each further one after a full interval of silence.
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(3 * SourceFixture.HeartbeatMs),
            $"4 heartbeats in {elapsed.TotalMilliseconds:0} ms: expected at least 3 intervals of {SourceFixture.HeartbeatMs} ms");
    }

    [Fact]
    public async Task Stream_PlainHttpRequest_Returns400()
    {
        var feed = Feeds.Unique("plain");

        using var response = await fixture.Http.GetAsync($"feeds/{feed}/stream");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"/feeds/{feed}/stream takes WebSocket requests only", await Wire.ReadErrorAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_ClientClose_CompletesTheHandshake()
    {
        var feed = Feeds.Unique("close");
        await using var socket = await FeedSocket.ConnectAsync(Source.StreamUri(feed), Timeout);
        await socket.ReceiveAsync(Timeout, "a first message");

        await socket.CloseAsync(Timeout);

        Assert.Equal(System.Net.WebSockets.WebSocketState.Closed, socket.State);
    }
}
