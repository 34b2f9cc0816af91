using System.Net.WebSockets;
using Overseer.Testing;

namespace Overseer.Tests.ReferenceSource;

/// <summary>The fixture's crash and restart: SIGKILL ends every connection; a restart serves the same port and payloads.</summary>
public sealed class RestartTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task KillThenRestart_DropsSockets_ThenServesTheSamePortAndPayloadsFromSeq1()
    {
        await using var source = ReferenceSourceProcess.Start(rate: 500, heartbeatMs: 100);
        await source.WaitReadyAsync(Timeout);
        using var http = new HttpClient { BaseAddress = source.BaseAddress, Timeout = Timeout };
        var feed = Feeds.Unique("restart");
        await Eventually.UntilAsync(() => source.GetHeadAsync(feed), h => h >= 100, Timeout, h => $"head of {feed} to reach 100 before the kill, was {h}");
        var before = await Wire.GetPageAsync(http, feed, after: 0, limit: 5);
        await using var socket = await FeedSocket.ConnectAsync(source.StreamUri(feed, after: 1_000_000), Timeout);
        await socket.ReceiveAsync(Timeout, "a heartbeat before the kill");
        var killedPid = source.ProcessId;

        source.Kill();
        var dropped = await Assert.ThrowsAsync<WebSocketException>(() => socket.ReadUntilEndAsync(Timeout, "the kill to end the socket"));
        await source.RestartAsync();
        var headAfter = await source.GetHeadAsync(feed);
        await Eventually.UntilAsync(() => source.GetHeadAsync(feed), h => h >= 5, Timeout, h => $"head of {feed} to reach 5 after the restart, was {h}");
        var after = await Wire.GetPageAsync(http, feed, after: 0, limit: 5);

        Assert.True(source.ProcessId != killedPid, $"still process {killedPid} after the restart");
        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, dropped.WebSocketErrorCode);
        Assert.True(headAfter < before.Head, $"head {headAfter} right after the restart: expected the feed to start again below {before.Head}");
        Assert.Equal(before.Events.Select(e => (e.Seq, e.Payload)), after.Events.Select(e => (e.Seq, e.Payload)));
        Assert.True(after.Events[0].Ts > before.Events[0].Ts, "timestamps after the restart should follow the new first use");
    }

    [Fact]
    public async Task WithEpoch_RestartKeepsEveryFeedsHead_AndTheSameEvents()
    {
        var epoch = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60);
        await using var source = ReferenceSourceProcess.Start(rate: 100, epoch: epoch);
        await source.WaitReadyAsync(Timeout);
        using var http = new HttpClient { BaseAddress = source.BaseAddress, Timeout = Timeout };
        var feed = Feeds.Unique("epoch");
        var before = await Wire.GetPageAsync(http, feed, after: 100, limit: 3);

        source.Kill();
        await source.RestartAsync();
        var after = await Wire.GetPageAsync(http, feed, after: 100, limit: 3);

        // 60 s at 100/s before the first use: the head starts near 6000, and goes on from there after the restart.
        Assert.InRange(before.Head, 6000, 6000 + (100 * (int)Timeout.TotalSeconds));
        Assert.True(after.Head >= before.Head, $"head {after.Head} after the restart is below {before.Head} before it");
        Assert.Equal(before.Events.Select(e => (e.Seq, e.Ts, e.Payload)), after.Events.Select(e => (e.Seq, e.Ts, e.Payload)));
    }
}
