using Overseer.Sources.Feeds;

namespace Overseer.Sources.Http;

/// <summary><c>http-poll</c>: pages through the feed's HTTP API; when caught up, waits <c>intervalMs</c>.</summary>
internal sealed class HttpPollSource(HttpFeedClient client, FeedSettings settings, TimeProvider time) : IEventSource, ISourceHandlerStatus
{
    public string Handler => "poll";

    public int Failovers => 0;

    public long? Head => client.Head;

    public async Task<SourceBatch> FetchAsync(long after, CancellationToken cancellationToken)
    {
        var events = await client.FetchAsync(after, cancellationToken).ConfigureAwait(false);
        if (events.Count == 0)
        {
            await Task.Delay(settings.Interval, time, cancellationToken).ConfigureAwait(false);
        }

        return new SourceBatch(events, Exhausted: false);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
