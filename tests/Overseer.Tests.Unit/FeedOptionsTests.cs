using Microsoft.Extensions.DependencyInjection;
using Overseer.Sources;
using Overseer.Sources.Feeds;

namespace Overseer.Tests.Unit;

public sealed class FeedOptionsTests
{
    private static IEventSourceFactory Factory(string kind)
    {
        var services = new ServiceCollection().AddLogging();
        Overseer.Hosting.OverseerServiceCollectionExtensions.AddOverseerGrains(services);
        return services.BuildServiceProvider().GetRequiredKeyedService<IEventSourceFactory>(kind);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080/feeds/blocks", "http://127.0.0.1:5080/feeds/blocks/events?after=7&limit=50", "ws://127.0.0.1:5080/feeds/blocks/stream?after=7")]
    [InlineData("ws://h:81/feeds/x/stream", "http://h:81/feeds/x/events?after=7&limit=50", "ws://h:81/feeds/x/stream?after=7")]
    [InlineData("https://h/feeds/x/", "https://h/feeds/x/events?after=7&limit=50", "wss://h/feeds/x/stream?after=7")]
    public void FeedUrl_DerivesTheEventsAndStreamEndpoints(string raw, string events, string stream)
    {
        var url = FeedUrl.TryParse("feed", raw, [])!;

        Assert.Equal(events, url.Events(7, 50).ToString());
        Assert.Equal(stream, url.Stream(7).ToString());
    }

    [Theory]
    [InlineData("feed")]
    [InlineData("http-poll")]
    [InlineData("websocket")]
    public void Validate_MissingUrl_SaysItIsRequired(string kind)
    {
        var problems = Factory(kind).Validate(new Dictionary<string, string>());

        Assert.Contains(problems, p => p.StartsWith($"option url is required for source {kind}", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_BadValues_AreNamed()
    {
        var problems = Factory("feed").Validate(new Dictionary<string, string> { ["url"] = "ftp://x/feeds/a", ["stallMs"] = "5", ["colour"] = "red" });

        Assert.Contains(problems, p => p.Contains("invalid option url='ftp://x/feeds/a' for source feed", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("invalid option stallMs='5' for source feed: expected an integer from 100 to 600000", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("unknown option 'colour' for source feed: valid options are url, stallMs, intervalMs, batch", StringComparison.Ordinal));
    }
}
