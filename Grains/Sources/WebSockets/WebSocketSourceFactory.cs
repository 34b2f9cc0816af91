using Overseer.Sources.Feeds;

namespace Overseer.Sources.WebSockets;

/// <summary>The <c>websocket</c> source kind: options <c>url</c>, <c>stallMs</c>, <c>maxOutageMs</c>.</summary>
internal sealed class WebSocketSourceFactory(TimeProvider time) : IEventSourceFactory
{
    public const string Kind = "websocket";

    /// <summary>Every integer from 1 on, as the source numbers its events.</summary>
    public SequenceDensity Density => SequenceDensity.Dense;
    private static readonly string[] Names = ["url", "stallMs", "maxOutageMs"];

    public IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> options) => FeedSettings.Read(Kind, options, Names).Problems;

    public IEventSource Create(SourceContext context)
    {
        var settings = FeedSettings.Read(Kind, context.Options, Names).Settings ?? throw new ArgumentException($"invalid options for {Kind}", nameof(context));
        return new WebSocketSource(new WebSocketFeedClient(settings.Url), settings, time);
    }
}
