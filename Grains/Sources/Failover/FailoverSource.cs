using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Overseer.Diagnostics;

namespace Overseer.Sources.Failover;

/// <summary>Push with automatic fallback to poll and switch-back, for any pair of handlers: the one composable
/// piece that gives a source kind failover, built by <see cref="FailoverSources"/>. Decisions come from
/// <see cref="FailoverPolicy"/>; polling is the shared <see cref="Polling.PollLoop"/>.</summary>
/// <remarks>The worker's checkpoint is the only cursor: every fetch passes it to whichever handler is active, so a
/// switch in either direction neither skips nor repeats. While polling, push is probed in the background (a probe
/// connects from the checkpoint and waits for a first message within the stall time); polling goes on meanwhile.</remarks>
internal sealed partial class FailoverSource(
    string workerId,
    string feed,
    IPushHandler push,
    Polling.PollLoop poll,
    FailoverPolicy policy,
    TimeSpan stall,
    TimeProvider time,
    ILogger logger,
    OverseerInstruments instruments) : IEventSource, ISourceHandlerStatus
{
    private Task<bool>? _probe;

    public string Handler => policy.Active == FeedHandler.Push ? "push" : "poll";

    public int Failovers => policy.Failovers;

    public long? Head => Math.Max(push.Head ?? 0, poll.Head ?? 0) is var head and > 0 ? head : null;

    public async Task<SourceBatch> FetchAsync(long after, CancellationToken cancellationToken)
    {
        if (policy.Active == FeedHandler.Push)
        {
            try
            {
                using var stalled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                stalled.CancelAfter(stall);
                return new SourceBatch(await push.ReceiveAsync(after, stalled.Token).ConfigureAwait(false), Exhausted: false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is Feeds.FeedUnavailableException or OperationCanceledException)
            {
                await push.ResetAsync().ConfigureAwait(false);
                policy.PushFailed(time.GetUtcNow());
                var reason = ex is OperationCanceledException ? $"no event or heartbeat for {stall.TotalMilliseconds:0} ms" : ex.Message;
                instruments.FailedOver();
                Activity.Current?.AddEvent(new ActivityEvent(OverseerTelemetry.FailoverEvent, tags: new ActivityTagsCollection { ["overseer.reason"] = reason }));
                Log.FailedOver(logger, workerId, feed, reason, after);
            }
        }

        if (_probe is { IsCompleted: true } probe)
        {
            _probe = null;
            if (await probe.ConfigureAwait(false))
            {
                policy.ProbeSucceeded();
                instruments.SwitchedBack();
                Activity.Current?.AddEvent(new ActivityEvent(OverseerTelemetry.SwitchBackEvent));
                Log.SwitchedBack(logger, workerId, feed, after);
                return await FetchAsync(after, cancellationToken).ConfigureAwait(false);
            }

            policy.ProbeFailed(time.GetUtcNow());
        }
        else if (_probe is null && policy.ShouldProbe(time.GetUtcNow()))
        {
            _probe = ProbeAsync(after, cancellationToken);
        }

        // Both handlers down: the loop backs off (a probe may bring push back meanwhile) and crashes only after
        // maxOutageMs. Caught up: it waits for the next poll, or less if a probe finishes first.
        return await poll.PollAsync(after, _probe, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> ProbeAsync(long after, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(stall);
            await push.ProbeAsync(after, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is Feeds.FeedUnavailableException or OperationCanceledException)
        {
            await push.ResetAsync().ConfigureAwait(false);
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_probe is { } probe)
        {
            await probe.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }

        await push.DisposeAsync().ConfigureAwait(false);
    }
}
