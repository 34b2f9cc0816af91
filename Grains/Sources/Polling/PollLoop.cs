using Overseer.Sources.Failover;
using Overseer.Sources.Feeds;

namespace Overseer.Sources.Polling;

/// <summary>The one poll loop of every polling source: fetch a page after the cursor; when caught up, wait the
/// interval; when the pull handler fails, back off and crash the run only once the outage has lasted its limit.</summary>
/// <remarks>One call is one turn of the loop: the worker calls again with its new checkpoint, which is the only cursor,
/// so nothing is kept here but the outage clock (<see cref="OutageGuard"/>). A page that came back empty is not always
/// "caught up": <paramref name="backlog"/> says when the handler has more to read at once (an evm logs scan that ran
/// out of its time budget). Time comes from <paramref name="time"/>; cancellation ends a wait at once and is rethrown.</remarks>
/// <param name="pull">The handler that fetches pages.</param>
/// <param name="what">What the handler reads, as the outage error names it (e.g. <c>http://h/feeds/x/events</c>).</param>
/// <param name="interval">The wait when caught up.</param>
/// <param name="maxOutage">How long the handler may keep failing before the run crashes.</param>
/// <param name="time">The clock of the waits and of the outage.</param>
/// <param name="backlog">Whether the handler has more to read right after an empty page; null = never.</param>
internal sealed class PollLoop(IPullHandler pull, string what, TimeSpan interval, TimeSpan maxOutage, TimeProvider time, Func<bool>? backlog = null)
{
    private readonly OutageGuard _outage = new(what, maxOutage, time);

    /// <summary>The pull handler's head, when it knows one.</summary>
    public long? Head => pull.Head;

    /// <summary>One page after <paramref name="after"/>. Empty after a failure (having backed off) or when caught up
    /// (having waited the interval, or less if <paramref name="wake"/> completes first).</summary>
    /// <exception cref="FeedUnavailableException">The handler has failed for longer than the outage limit.</exception>
    public async Task<SourceBatch> PollAsync(long after, Task? wake, CancellationToken cancellationToken)
    {
        IReadOnlyList<SourceEvent> events;
        try
        {
            events = await pull.FetchAsync(after, cancellationToken).ConfigureAwait(false);
            _outage.Succeeded();
        }
        catch (FeedUnavailableException ex) when (!cancellationToken.IsCancellationRequested)
        {
            await _outage.BackOffAsync(ex, cancellationToken).ConfigureAwait(false);
            return new SourceBatch([], Exhausted: false);
        }

        if (events.Count == 0 && backlog?.Invoke() != true)
        {
            var delay = Task.Delay(interval, time, cancellationToken);
            await (wake is null ? delay : Task.WhenAny(delay, wake)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        return new SourceBatch(events, Exhausted: false);
    }
}
