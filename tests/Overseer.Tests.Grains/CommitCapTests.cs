using Microsoft.Extensions.DependencyInjection;
using Overseer.Models;
using Overseer.Pool;
using Overseer.Testing;

namespace Overseer.Tests.Grains;

/// <summary>One silo whose commits are capped at <see cref="Cap"/> in flight.</summary>
public sealed class CommitCapCluster : IAsyncLifetime
{
    public const int Cap = 2;

    public OverseerCluster Overseer { get; } = new() { Silos = 1, Pool = o => o.MaxConcurrentCommitsPerSilo = Cap };

    internal CommitThrottle Throttle => Overseer.Cluster.Silos[0].ServiceProvider.GetRequiredService<CommitThrottle>();

    public Task InitializeAsync() => Overseer.InitializeAsync();

    public Task DisposeAsync() => Overseer.DisposeAsync();
}

/// <summary>The silo's commit cap: many workers committing at once never have more than the cap in flight, all of them
/// progress (first come, first served), and what they commit is exactly once.</summary>
public sealed class CommitCapTests(CommitCapCluster fixture) : IClassFixture<CommitCapCluster>
{
    [Fact]
    public async Task CommitCap_FortyWorkersCommittingAtOnce_AtMostTheCapInFlight_AllProgress_ExactlyOnce()
    {
        const int limit = 3000;
        var ids = Enumerable.Range(0, 40).Select(i => $"commit-cap-{i:D2}").ToList();
        var spec = WorkerSpec.For("sequence", ("limit", limit.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("batch", "10"));
        var throttle = fixture.Throttle;
        var (peakInFlight, peakWaiting) = (0, 0);
        var manager = fixture.Overseer.Manager;
        await Task.WhenAll(ids.Select(id => manager.StartAsync(id, spec)));

        // Sampled while they run: 40 workers each with a batch ready compete for 2 permits.
        await Eventually.UntilAsync(
            async () =>
            {
                peakInFlight = Math.Max(peakInFlight, throttle.InFlight);
                peakWaiting = Math.Max(peakWaiting, throttle.Waiting);
                return await Task.WhenAll(ids.Select(id => fixture.Overseer.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync()));
            },
            infos => infos.All(i => i.Status == WorkerStatus.Completed),
            TimeSpan.FromSeconds(60),
            infos => $"all 40 workers Completed at {limit}; not yet: "
                     + string.Join(", ", infos.Where(i => i.Status != WorkerStatus.Completed).Take(8).Select(i => $"{i.Id}={i.Status}@{i.Checkpoint}")));

        Assert.True(peakInFlight <= CommitCapCluster.Cap, $"{peakInFlight} commits were in flight at once; the cap is {CommitCapCluster.Cap}");
        Assert.True(peakWaiting > 0, "no commit ever waited for a permit: the cap was never reached, so this test proved nothing");
        Assert.Equal(0, throttle.InFlight);
        foreach (var id in ids)
        {
            await WorkerAssertions.AssertExactlyOnceAsync(fixture.Overseer.Client, id, limit);
        }
    }
}
