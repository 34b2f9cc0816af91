using Overseer.Sources.Feeds;

namespace Overseer.Sources.Failover;

/// <summary>The <c>feed</c> source kind: WebSocket push with HTTP-poll fallback and switch-back, composed through the
/// public <see cref="FailoverSources"/> like any team's kind.
/// Options <c>url</c>, <c>stallMs</c> (default 2000), <c>intervalMs</c>, <c>batch</c>, <c>maxOutageMs</c>.</summary>
internal sealed class FeedSourceFactory(IHttpClientFactory http, FailoverSources failover) : IEventSourceFactory
{
    public const string Kind = "feed";

    /// <summary>Every integer from 1 on, as the source numbers its events.</summary>
    public SequenceDensity Density => SequenceDensity.Dense;
    private static readonly string[] Names = ["url", "stallMs", "intervalMs", "batch", "maxOutageMs"];
    private static readonly TimeSpan MaxProbeInterval = TimeSpan.FromSeconds(4);

    public IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> options) => FeedSettings.Read(Kind, options, Names).Problems;

    public IEventSource Create(SourceContext context)
    {
        var settings = FeedSettings.Read(Kind, context.Options, Names).Settings ?? throw new ArgumentException($"invalid options for {Kind}", nameof(context));
        return failover.Create(
            context,
            new WebSocketFeedClient(settings.Url),
            new HttpFeedClient(http.CreateClient(SourceHttp.ClientName), settings.Url, settings.Batch),
            new FailoverOptions
            {
                PushName = settings.Url.ToString(),
                PullName = $"{settings.Url}/events",
                Stall = settings.Stall,
                PollInterval = settings.Interval,
                MaxOutage = settings.MaxOutage,
                MaxProbeInterval = MaxProbeInterval,
            });
    }
}
