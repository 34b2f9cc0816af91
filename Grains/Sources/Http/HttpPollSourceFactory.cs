using Overseer.Sources.Feeds;
using Overseer.Sources.Polling;

namespace Overseer.Sources.Http;

/// <summary>The <c>http-poll</c> source kind: pages through the feed's HTTP API with the shared <see cref="PollLoop"/>
/// (waits <c>intervalMs</c> when caught up; crashes the run only after <c>maxOutageMs</c> of failures). Options <c>url</c>, <c>intervalMs</c>, <c>batch</c>, <c>maxOutageMs</c>.</summary>
internal sealed class HttpPollSourceFactory(IHttpClientFactory http, TimeProvider time) : IEventSourceFactory
{
    public const string Kind = "http-poll";

    /// <summary>Every integer from 1 on, as the source numbers its events.</summary>
    public SequenceDensity Density => SequenceDensity.Dense;
    private static readonly string[] Names = ["url", "intervalMs", "batch", "maxOutageMs"];

    public IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> options) => FeedSettings.Read(Kind, options, Names).Problems;

    public IEventSource Create(SourceContext context)
    {
        var settings = FeedSettings.Read(Kind, context.Options, Names).Settings ?? throw new ArgumentException($"invalid options for {Kind}", nameof(context));
        var client = new HttpFeedClient(http.CreateClient(SourceHttp.ClientName), settings.Url, settings.Batch);
        return new PollSource(new PollLoop(client, $"{settings.Url}/events", settings.Interval, settings.MaxOutage, time));
    }
}
