using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using Overseer.Testing;

namespace Overseer.Tests.ReferenceSource;

/// <summary>Each injected fault, observed from the outside; faults are scoped to the test's own feed.</summary>
/// <remarks>Tests in a class run one at a time, so <c>DELETE /faults</c> here cannot disturb another test.</remarks>
public sealed class FaultTests(SourceFixture fixture) : IClassFixture<SourceFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(SourceFixture.HeartbeatMs);

    private ReferenceSourceProcess Source => fixture.Source;

    [Fact]
    public async Task WsDrop_AbortsTheOpenSocket_RefusesNewOnes_UntilItExpires()
    {
        var feed = Feeds.Unique("drop");
        var other = Feeds.Unique("drop-other");
        await using var socket = await FeedSocket.ConnectAsync(Source.StreamUri(feed), Timeout);
        await socket.ReceiveAsync(Timeout, "a first message before the fault");

        await Source.InjectFaultAsync("ws-drop", 3, feed);
        var dropped = await Assert.ThrowsAsync<WebSocketException>(() => socket.ReadUntilEndAsync(Timeout, $"ws-drop to abort the socket of {feed}"));
        var (refused, refusedStatus) = await FeedSocket.TryConnectAsync(Source.StreamUri(feed), Timeout);
        var (unaffected, unaffectedStatus) = await FeedSocket.TryConnectAsync(Source.StreamUri(other), Timeout);
        await using (unaffected)
        {
            Assert.Equal(WebSocketError.ConnectionClosedPrematurely, dropped.WebSocketErrorCode);
            Assert.Null(refused);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refusedStatus);
            Assert.Equal(HttpStatusCode.SwitchingProtocols, unaffectedStatus);
        }

        // It ends by itself: connections are accepted again and it is no longer listed.
        await Eventually.UntilAsync(
            async () =>
            {
                var (again, status) = await FeedSocket.TryConnectAsync(Source.StreamUri(feed), Timeout);
                await using (again)
                {
                    return status;
                }
            },
            status => status == HttpStatusCode.SwitchingProtocols,
            Timeout,
            status => $"the 3 s ws-drop on {feed} to expire; connecting still gave {(int)status} {status}");
        Assert.DoesNotContain(await ListFaultsAsync(), f => f.Feed == feed);
    }

    [Fact]
    public async Task WsStall_SendsNothingForLongerThanThreeHeartbeats_ThenResumesWithoutAGap()
    {
        var feed = Feeds.Unique("stall");
        await using var socket = await FeedSocket.ConnectAsync(Source.StreamUri(feed), Timeout);
        var cursor = 0L;
        while (cursor < 50)
        {
            cursor = Advance(cursor, await socket.ReceiveAsync(Timeout, $"events up to 50 on {feed} before the fault"));
        }

        var clock = Stopwatch.StartNew();
        await Source.InjectFaultAsync("ws-stall", 2, feed);
        var injected = clock.Elapsed;

        // A socket opened during the stall hears nothing either; its first message is timed while the first socket is read.
        await using var late = await FeedSocket.ConnectAsync(Source.StreamUri(feed), Timeout);
        var lateConnected = clock.Elapsed;
        var lateFirstArrival = ArrivalAsync(late, $"the first message on the socket opened during the stall of {feed}");

        // Messages already on the way may still arrive; then silence until the fault expires, then the rest in order,
        // read until well past what was produced during the 2 s stall (1000 events at 500/s).
        var lastArrival = injected;
        var longestSilence = TimeSpan.Zero;
        const long resumedTo = 50 + (2 * SourceFixture.Rate) + 100;
        while (cursor < resumedTo)
        {
            cursor = Advance(cursor, await socket.ReceiveAsync(Timeout, $"events after {cursor} on {feed} once the stall ends"));
            var arrival = clock.Elapsed;
            longestSilence = arrival - lastArrival > longestSilence ? arrival - lastArrival : longestSilence;
            lastArrival = arrival;
        }

        var lateSilence = await lateFirstArrival - lateConnected;

        Assert.True(longestSilence > 3 * Heartbeat,
            $"longest silence during the stall was {longestSilence.TotalMilliseconds:0} ms: expected more than 3 heartbeats of {Heartbeat.TotalMilliseconds:0} ms");
        Assert.True(lateSilence > 3 * Heartbeat,
            $"the socket opened during the stall got its first message after {lateSilence.TotalMilliseconds:0} ms: expected more than 3 heartbeats of {Heartbeat.TotalMilliseconds:0} ms");

        async Task<TimeSpan> ArrivalAsync(FeedSocket s, string awaiting)
        {
            await s.ReceiveAsync(Timeout, awaiting);
            return clock.Elapsed;
        }
    }

    [Fact]
    public async Task Http500_FailsEventsOfThatFeedOnly_IsListedAndLogged_UntilCleared()
    {
        var feed = Feeds.Unique("err");
        var other = Feeds.Unique("err-other");

        await Source.InjectFaultAsync("http-500", 60, feed);
        using var failed = await fixture.Http.GetAsync($"feeds/{feed}/events");
        using var unaffected = await fixture.Http.GetAsync($"feeds/{other}/events");
        var listed = await ListFaultsAsync();
        await Source.ClearFaultsAsync();
        using var afterClear = await fixture.Http.GetAsync($"feeds/{feed}/events");
        var listedAfterClear = await ListFaultsAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal($"injected fault http-500 for feed '{feed}'", await Wire.ReadErrorAsync(failed));
        Assert.Equal(HttpStatusCode.OK, unaffected.StatusCode);
        var fault = Assert.Single(listed);
        Assert.Equal("http-500", fault.Mode);
        Assert.Equal(feed, fault.Feed);
        Assert.InRange(fault.Until, DateTime.UtcNow.AddSeconds(50), DateTime.UtcNow.AddSeconds(61));
        Assert.Equal(HttpStatusCode.OK, afterClear.StatusCode);
        Assert.Empty(listedAfterClear);
        await Eventually.UntilAsync(
            () => Task.FromResult(Source.ReadLogTail(200)),
            log => log.Contains($"Fault http-500 set for feed {feed} for 60 s", StringComparison.Ordinal)
                && log.Contains($"Fault http-500 for feed {feed} cleared", StringComparison.Ordinal),
            Timeout,
            log => $"one log line for setting and one for clearing http-500 on {feed}; log tail:{Environment.NewLine}{log}");
    }

    [Fact]
    public async Task HttpSlow_AnswersEventsAfterFiveSeconds()
    {
        var feed = Feeds.Unique("slow");
        await Source.InjectFaultAsync("http-slow", 1, feed);

        var clock = Stopwatch.StartNew();
        using var response = await fixture.Http.GetAsync($"feeds/{feed}/events");
        var elapsed = clock.Elapsed;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(elapsed >= TimeSpan.FromSeconds(5), $"the events request took {elapsed.TotalMilliseconds:0} ms: expected at least 5 s");
    }

    [Theory]
    [InlineData("""{"mode":"explode","seconds":5}""", "mode is 'explode': expected one of ws-drop, ws-stall, http-500, http-slow")]
    [InlineData("""{"seconds":5}""", "mode is missing: expected one of ws-drop, ws-stall, http-500, http-slow")]
    [InlineData("""{"mode":"ws-drop","seconds":0}""", "seconds is 0: expected a whole number 1..3600")]
    [InlineData("""{"mode":"ws-drop","seconds":3601}""", "seconds is 3601: expected a whole number 1..3600")]
    [InlineData("""{"mode":"ws-drop","seconds":"10"}""", "seconds is \"10\": expected a whole number 1..3600")]
    [InlineData("""{"mode":"ws-drop"}""", "seconds is missing: expected a whole number 1..3600")]
    [InlineData("""{"mode":"ws-drop","seconds":5,"feed":"a b"}""", "feed is 'a b': expected 1-64 characters of A-Z a-z 0-9 . _ -")]
    [InlineData("""{"mode":"ws-drop","seconds":5,"sconds":1}""", "unknown field 'sconds': expected mode, seconds and optionally feed")]
    [InlineData("""[1]""", "body is a JSON array: expected an object")]
    [InlineData("not json", "body is not valid JSON")]
    public async Task PostFaults_BadBody_Returns400NamingTheField(string body, string expected)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await fixture.Http.PostAsync("faults", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await Wire.ReadErrorAsync(response), StringComparison.Ordinal);
    }

    private static long Advance(long cursor, Wire.Message message)
    {
        foreach (var e in message.Events ?? [])
        {
            Assert.True(e.Seq == cursor + 1, $"expected seq {cursor + 1}, got {e.Seq} (gap or duplicate)");
            cursor = e.Seq;
        }

        return cursor;
    }

    private async Task<Wire.Fault[]> ListFaultsAsync() =>
        (await fixture.Http.GetFromJsonAsync<Wire.Fault[]>("faults", Wire.Json))!;
}
