using Overseer.Sources.Feeds;

namespace Overseer.Sources.Evm;

/// <summary>An <c>evm</c> source without <c>ws</c>: polls only; when caught up (not merely after a logs scan of empty
/// ranges that used up its time budget), waits <c>intervalMs</c>. A node that
/// keeps failing is retried with backoff and crashes the run only after <c>maxOutageMs</c>.</summary>
internal sealed class EvmPollSource(EvmPollHandler poll, EvmSettings settings, TimeProvider time) : IEventSource
{
    private readonly OutageGuard _outage = new(settings.Rpc.ToString(), settings.MaxOutage, time);

    public async Task<SourceBatch> FetchAsync(long after, CancellationToken cancellationToken)
    {
        IReadOnlyList<SourceEvent> events;
        try
        {
            events = await poll.FetchAsync(after, cancellationToken).ConfigureAwait(false);
            _outage.Succeeded();
        }
        catch (FeedUnavailableException ex) when (!cancellationToken.IsCancellationRequested)
        {
            await _outage.BackOffAsync(ex, cancellationToken).ConfigureAwait(false);
            return new SourceBatch([], Exhausted: false);
        }

        if (events.Count == 0 && !poll.HasWork)
        {
            await Task.Delay(settings.Interval, time, cancellationToken).ConfigureAwait(false);
        }

        return new SourceBatch(events, Exhausted: false);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
