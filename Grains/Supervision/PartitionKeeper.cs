using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Overseer.Hosting;

namespace Overseer.Supervision;

/// <summary>Runs on every silo once it is active: keeps every partition activated (which restores its workers)
/// and tells the partitions when a silo leaves, so they bring that silo's workers back without any client call.</summary>
/// <remarks>Every silo does this; the calls are idempotent, so a duplicate costs one message per partition.</remarks>
internal sealed partial class PartitionKeeper(
    IGrainFactory grains,
    IClusterMembershipService membership,
    IOptions<OverseerOptions> overseer,
    IOptions<SupervisionOptions> supervision,
    TimeProvider time,
    ILogger<PartitionKeeper> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _ping;
    private Task? _watch;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(PartitionKeeper), ServiceLifecycleStage.Active, OnStartAsync, OnStopAsync);

    private Task OnStartAsync(CancellationToken cancellationToken)
    {
        _ping = PingLoopAsync(_stopping.Token);
        _watch = WatchMembershipAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    private async Task OnStopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        foreach (var task in new[] { _ping, _watch })
        {
            if (task is not null)
            {
                await task.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task PingLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(supervision.Value.PartitionPingInterval, time);
        do
        {
            await PingAllAsync(cancellationToken);
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).AsTask().ContinueWith(t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default));
    }

    private async Task WatchMembershipAsync(CancellationToken cancellationToken)
    {
        var previous = membership.CurrentSnapshot;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken))
                {
                    var left = previous.Members.Values
                        .Where(m => m.Status == SiloStatus.Active)
                        .Select(m => (m.SiloAddress, Status: snapshot.GetSiloStatus(m.SiloAddress)))
                        .Where(m => m.Status is SiloStatus.ShuttingDown or SiloStatus.Stopping or SiloStatus.Dead)
                        .ToList();
                    previous = snapshot;
                    foreach (var (silo, status) in left)
                    {
                        Log.SiloLeft(logger, silo.Endpoint.ToString(), status.ToString());
                        await ForAllPartitionsAsync(p => p.SiloDownAsync(silo.Endpoint.ToString(), cancellationToken), cancellationToken);
                    }

                    if (left.Count > 0)
                    {
                        await PingAllAsync(cancellationToken);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.WatchFailed(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private Task PingAllAsync(CancellationToken cancellationToken) =>
        ForAllPartitionsAsync(p => p.EnsureActiveAsync(cancellationToken), cancellationToken);

    private async Task ForAllPartitionsAsync(Func<IPartitionGrain, Task> call, CancellationToken cancellationToken)
    {
        var calls = Enumerable.Range(0, overseer.Value.Partitions).Select(async partition =>
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(supervision.Value.PokeTimeout);
                await call(grains.GetGrain<IPartitionGrain>(partition)).WaitAsync(timeout.Token);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                Log.PartitionUnreachable(logger, partition, ex);
            }
        });
        try
        {
            await Task.WhenAll(calls);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
