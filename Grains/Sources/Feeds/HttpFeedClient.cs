using System.Net.Http.Json;

namespace Overseer.Sources.Feeds;

/// <summary>Pull handler core: one page of events after a cursor. Retries, timeouts and the circuit breaker
/// live in the HttpClient's resilience pipeline (see <see cref="SourceHttp"/>); what still fails is thrown.</summary>
internal sealed class HttpFeedClient(HttpClient http, FeedUrl url, int batch) : Failover.IPullHandler
{
    public long? Head { get; private set; }

    public async Task<IReadOnlyList<SourceEvent>> FetchAsync(long after, CancellationToken cancellationToken)
    {
        FeedPage? page;
        try
        {
            using var response = await http.GetAsync(url.Events(after, batch), cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new FeedUnavailableException($"GET {url}/events answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            page = await response.Content.ReadFromJsonAsync<FeedPage>(FeedJson.Options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or Polly.CircuitBreaker.BrokenCircuitException or Polly.Timeout.TimeoutRejectedException
                                   || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new FeedUnavailableException($"GET {url}/events failed: {ex.Message}", ex);
        }

        if (page is null)
        {
            throw new FeedUnavailableException($"GET {url}/events returned no page");
        }

        Head = page.Head;
        var events = new List<SourceEvent>(page.Events.Count);
        var previous = after;
        foreach (var e in page.Events)
        {
            if (e.Seq > previous)
            {
                events.Add(new SourceEvent(e.Seq, e.Payload));
                previous = e.Seq;
            }
        }

        return events;
    }
}
