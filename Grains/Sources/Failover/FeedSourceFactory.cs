using Microsoft.Extensions.Logging;
using Overseer.Diagnostics;
using Overseer.Sources.Feeds;

namespace Overseer.Sources.Failover;

/// <summary>The <c>feed</c> source kind: WebSocket push with HTTP-poll fallback and switch-back.
/// Options <c>url</c>, <c>stallMs</c> (default 2000), <c>intervalMs</c>, <c>batch</c>, <c>maxOutageMs</c>.</summary>
internal sealed class FeedSourceFactory(IHttpClientFactory http, TimeProvider time, ILoggerFactory loggers, OverseerInstruments instruments) : IEventSourceFactory
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
        var probeInterval = TimeSpan.FromTicks(Math.Min(settings.Stall.Ticks, TimeSpan.FromSeconds(1).Ticks));
        return new FailoverSource(
            context.WorkerId,
            settings.Url.ToString(),
            new WebSocketFeedClient(settings.Url),
            new HttpFeedClient(http.CreateClient(SourceHttp.ClientName), settings.Url, settings.Batch),
            new FailoverPolicy(probeInterval, MaxProbeInterval),
            settings.Stall,
            settings.Interval,
            new OutageGuard($"{settings.Url}/events", settings.MaxOutage, time),
            time,
            loggers.CreateLogger<FailoverSource>(),
            instruments);
    }
}
