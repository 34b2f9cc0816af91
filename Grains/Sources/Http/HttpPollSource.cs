using Overseer.Sources.Feeds;

namespace Overseer.Sources.Http;

/// <summary><c>http-poll</c>: pages through the feed's HTTP API; when caught up, waits <c>intervalMs</c>. A feed that
/// keeps failing is retried with backoff and crashes the run only after <c>maxOutageMs</c>.</summary>
internal sealed class HttpPollSource(HttpFeedClient client, FeedSettings settings, TimeProvider time) : IEventSource, ISourceHandlerStatus
{
    private readonly OutageGuard _outage = new($"{settings.Url}/events", settings.MaxOutage, time);

    public string Handler => "poll";

    public int Failovers => 0;

    public long? Head => client.Head;

    public async Task<SourceBatch> FetchAsync(long after, CancellationToken cancellationToken)
    {
        IReadOnlyList<SourceEvent> events;
        try
        {
            events = await client.FetchAsync(after, cancellationToken).ConfigureAwait(false);
            _outage.Succeeded();
        }
        catch (FeedUnavailableException ex) when (!cancellationToken.IsCancellationRequested)
        {
            await _outage.BackOffAsync(ex, cancellationToken).ConfigureAwait(false);
            return new SourceBatch([], Exhausted: false);
        }

        if (events.Count == 0)
        {
            await Task.Delay(settings.Interval, time, cancellationToken).ConfigureAwait(false);
        }

        return new SourceBatch(events, Exhausted: false);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
