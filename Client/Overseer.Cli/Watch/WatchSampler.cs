using Overseer.Client;

namespace Overseer.Cli.Watch;

/// <summary>Takes one <see cref="WatchSnapshot"/> per call: the summary and the slowest workers, fetched together,
/// and the event rate since the earlier samples.</summary>
internal sealed class WatchSampler(OverseerClient client, int top, EventRate rate, TimeProvider time)
{
    private readonly long _started = time.GetTimestamp();

    public async Task<WatchSnapshot> SampleAsync(CancellationToken cancellationToken)
    {
        var summaryCall = client.GetSummaryAsync(cancellationToken);
        var slowestCall = client.GetSlowestAsync(top, cancellationToken);
        await Task.WhenAll(summaryCall, slowestCall);
        var summary = await summaryCall;
        var eventsPerSecond = rate.Add(time.GetElapsedTime(_started), summary.Checkpoints);
        return WatchSnapshot.From(time.GetUtcNow(), summary, eventsPerSecond, await slowestCall);
    }
}
