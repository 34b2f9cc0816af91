using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Overseer.ReferenceSource.Feeds;
using Overseer.Testing;

namespace Overseer.Tests.ReferenceSource;

/// <summary><c>GET /feeds/{feed}/events</c> and <c>GET /feeds/{feed}</c>: paging, payloads, timestamps, head, bad input.</summary>
public sealed class EventsEndpointTests(SourceFixture fixture) : IClassFixture<SourceFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private ReferenceSourceProcess Source => fixture.Source;

    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task Events_PagedFromZero_AreContiguousWithExactPayloadsAndTimestamps()
    {
        var feed = Feeds.Unique("paging");
        await AwaitHeadAsync(feed, 250);

        var first = await Wire.GetPageAsync(Http, feed, after: 0, limit: 100);
        var second = await Wire.GetPageAsync(Http, feed, after: 100, limit: 100);
        var third = await Wire.GetPageAsync(Http, feed, after: 200, limit: 50);

        var events = first.Events.Concat(second.Events).Concat(third.Events).ToArray();
        Assert.Equal(Enumerable.Range(1, 250).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.All(events, e => Assert.Equal(FeedPayload.For(feed, e.Seq), e.Payload));

        // ts = firstUse + seq / rate, exactly: at 500 events/s one event is 2 ms = 20000 ticks.
        var ticksPerEvent = TimeSpan.TicksPerSecond / SourceFixture.Rate;
        var firstUse = events[0].Ts.AddTicks(-ticksPerEvent);
        Assert.All(events, e => Assert.Equal(DateTimeKind.Utc, e.Ts.Kind));
        Assert.All(events, e => Assert.Equal(firstUse.AddTicks(e.Seq * ticksPerEvent), e.Ts));
        Assert.True(first.Head >= 250 && second.Head >= first.Head && third.Head >= second.Head,
            $"head went {first.Head}, {second.Head}, {third.Head}: expected at least 250 and never backwards");
    }

    [Fact]
    public async Task Events_DefaultLimitAndHead_CapThePage()
    {
        var feed = Feeds.Unique("limits");
        await AwaitHeadAsync(feed, 150);

        var byDefault = await Wire.GetPageAsync(Http, feed, after: 0);
        var upToHead = await Wire.GetPageAsync(Http, feed, after: byDefault.Head - 3, limit: 1000);
        var beyondHead = await Wire.GetPageAsync(Http, feed, after: 1_000_000, limit: 10);

        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), byDefault.Events.Select(e => e.Seq));
        Assert.Equal(upToHead.Head - byDefault.Head + 3, upToHead.Events.Length);
        Assert.Equal(upToHead.Head, upToHead.Events[^1].Seq);
        Assert.Empty(beyondHead.Events);
        Assert.True(beyondHead.Head >= upToHead.Head, $"head went backwards: {upToHead.Head} then {beyondHead.Head}");
    }

    [Fact]
    public async Task Head_AdvancesWithTheRate_FromTheFeedsFirstUse()
    {
        var feed = Feeds.Unique("rate");
        var clock = Stopwatch.StartNew();

        // The first use (which starts the feed's clock) happens while this call is in flight, within [0, t1].
        var head1 = await Source.GetHeadAsync(feed);
        var t1 = clock.Elapsed;
        await AwaitHeadAsync(feed, 300);
        var a2 = clock.Elapsed;
        var head2 = await Source.GetHeadAsync(feed);
        var b2 = clock.Elapsed;

        // head = floor(elapsed · rate) and the feed's elapsed time at the second read lies in [a2 - t1, b2];
        // one event either way allows for floating-point rounding of the client's stopwatch.
        Assert.InRange(head1, 0, Math.Ceiling(t1.TotalSeconds * SourceFixture.Rate) + 1);
        Assert.InRange(head2, Math.Floor((a2 - t1).TotalSeconds * SourceFixture.Rate) - 1, Math.Ceiling(b2.TotalSeconds * SourceFixture.Rate) + 1);
    }

    [Fact]
    public async Task FeedInfo_ReportsNameHeadAndRate()
    {
        var feed = Feeds.Unique("info");

        var info = await Http.GetFromJsonAsync<Wire.Info>($"feeds/{feed}", Wire.Json);

        Assert.NotNull(info);
        Assert.Equal(feed, info.Feed);
        Assert.Equal(SourceFixture.Rate, info.Rate);
        Assert.InRange(info.Head, 0, SourceFixture.Rate); // a feed that did not exist a moment ago
    }

    [Fact]
    public async Task Health_Answers200()
    {
        using var response = await Http.GetAsync("health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("feeds/bad%20name/events", "feed name 'bad name' is invalid: expected 1-64 characters of A-Z a-z 0-9 . _ -")]
    [InlineData("feeds/a123456789a123456789a123456789a123456789a123456789a123456789abcde/events",
        "feed name 'a123456789a123456789a123456789a123456789a123456789a123456789abcde' is invalid")]
    [InlineData("feeds/semi%3Bcolon", "feed name 'semi;colon' is invalid")]
    [InlineData("feeds/ok/events?after=-1", "after is '-1': expected a whole number 0..1000000000000000")]
    [InlineData("feeds/ok/events?after=soon", "after is 'soon': expected a whole number 0..1000000000000000")]
    [InlineData("feeds/ok/events?after=1&after=2", "after is given 2 times: expected a whole number")]
    [InlineData("feeds/ok/events?limit=0", "limit is '0': expected a whole number 1..1000")]
    [InlineData("feeds/ok/events?limit=1001", "limit is '1001': expected a whole number 1..1000")]
    [InlineData("feeds/ok/stream?after=x", "after is 'x': expected a whole number 0..1000000000000000")]
    public async Task BadInput_Returns400NamingTheValueAndTheRule(string path, string expected)
    {
        using var response = await Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await Wire.ReadErrorAsync(response), StringComparison.Ordinal);
    }

    private Task AwaitHeadAsync(string feed, long atLeast) =>
        Eventually.UntilAsync(
            () => Source.GetHeadAsync(feed),
            head => head >= atLeast,
            Timeout,
            head => $"feed {feed} to reach head {atLeast} at {SourceFixture.Rate} events/s, was {head}");
}
