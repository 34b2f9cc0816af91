using Overseer.Testing;

namespace Overseer.Tests.ReferenceSource;

/// <summary><c>/stats</c>: plain requests counted (not <c>/stats</c> itself, not streams), sockets counted, max resettable.</summary>
/// <remarks>This class has its process to itself and its tests run one at a time, so the counts are exact.</remarks>
public sealed class StatsTests(SourceFixture fixture) : IClassFixture<SourceFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private ReferenceSourceProcess Source => fixture.Source;

    [Fact]
    public async Task Stats_CountPlainRequestsAndOpenSockets_ButNotThemselves()
    {
        var feed = Feeds.Unique("stats");
        var before = await Source.GetStatsAsync();

        for (var i = 0; i < 3; i++)
        {
            await Wire.GetPageAsync(fixture.Http, feed, after: 0);
        }

        var afterRequests = await Source.GetStatsAsync();
        var socket = await FeedSocket.ConnectAsync(Source.StreamUri(feed), Timeout);
        await socket.ReceiveAsync(Timeout, "a first message");
        var withSocket = await Source.GetStatsAsync();
        await socket.CloseAsync(Timeout);
        await socket.DisposeAsync();
        var closed = await Eventually.UntilAsync(
            Source.GetStatsAsync, s => s.OpenSockets == 0, Timeout, s => $"open sockets back to 0 after closing, was {s.OpenSockets}");

        Assert.Equal(before.HttpRequests + 3, afterRequests.HttpRequests);
        Assert.Equal(0, afterRequests.InFlightHttp);
        Assert.Equal(1, withSocket.OpenSockets);
        Assert.Equal(afterRequests.HttpRequests, withSocket.HttpRequests);
        Assert.Equal(afterRequests.HttpRequests, closed.HttpRequests);
    }

    [Fact]
    public async Task DeleteStats_ResetsTheMaximumToWhatIsInFlight()
    {
        using (await fixture.Http.GetAsync("health")) { }
        var before = await Source.GetStatsAsync();

        await Source.ResetMaxInFlightAsync();
        var reset = await Source.GetStatsAsync();
        using (await fixture.Http.GetAsync("health")) { }
        var afterOne = await Source.GetStatsAsync();

        Assert.True(before.MaxInFlightHttp >= 1, $"max in flight {before.MaxInFlightHttp} after a request, expected at least 1");
        Assert.Equal(0, reset.MaxInFlightHttp);
        Assert.Equal(1, afterOne.MaxInFlightHttp);
    }
}
