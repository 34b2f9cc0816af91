using Overseer.Models;
using Overseer.Testing;
using Xunit.Abstractions;

namespace Overseer.Tests.Grains;

/// <summary>One silo with a per-host fetch cap, against the real reference source.</summary>
public sealed class FetchCapCluster() : FeedCluster(new OverseerCluster { Silos = 1, Pool = o => o.MaxConcurrentFetchesPerHost = HostCap })
{
    public const int HostCap = 5;
}

/// <summary>Source concurrency caps: the source never sees more requests from a silo than the cap.</summary>
public sealed class FetchCapTests(FetchCapCluster fixture, ITestOutputHelper output) : IClassFixture<FetchCapCluster>
{
    [Fact]
    public async Task FetchCap_TwoHundredPollWorkersOnOneSilo_SourceSeesAtMostFiveConcurrentRequests()
    {
        var ids = Enumerable.Range(0, 200).Select(i => $"cap-{i:D3}").ToList();
        var spec = WorkerSpec.For("http-poll", ("url", fixture.Source.FeedUrl("capped")), ("intervalMs", "20"), ("batch", "10"));
        await fixture.Source.ResetMaxInFlightAsync();
        var before = await fixture.Source.GetStatsAsync();
        try
        {
            await Task.WhenAll(ids.Select(id => fixture.Overseer.Manager.StartAsync(id, spec)));

            // Every worker has fetched (checkpoint > 0) and the source has answered thousands of requests meanwhile.
            await Eventually.UntilAsync(
                async () => await Task.WhenAll(ids.Select(id => fixture.Overseer.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync())),
                infos => infos.All(i => i.Status == WorkerStatus.Running && i.Checkpoint > 0),
                TimeSpan.FromSeconds(40),
                infos => "all 200 http-poll workers running with events; not yet: "
                         + string.Join(", ", infos.Where(i => i.Checkpoint == 0).Take(8).Select(i => $"{i.Id}={i.Status}@{i.Checkpoint}")));
            var stats = await Eventually.UntilAsync(
                () => fixture.Source.GetStatsAsync(),
                s => s.HttpRequests - before.HttpRequests >= 2000,
                TimeSpan.FromSeconds(40),
                s => $"2000 requests from the 200 workers; saw {s.HttpRequests - before.HttpRequests}");
            output.WriteLine($"requests {stats.HttpRequests - before.HttpRequests}, max in flight {stats.MaxInFlightHttp}");

            Assert.True(stats.MaxInFlightHttp <= FetchCapCluster.HostCap,
                $"the source saw {stats.MaxInFlightHttp} concurrent requests from one silo; the per-host cap is {FetchCapCluster.HostCap}");

            // A slow source (answers after 5 s): uncapped, all 200 workers would be waiting on it at once.
            // The fault's own POST is a request too: count from after it.
            await fixture.Source.InjectFaultAsync("http-slow", 3, "capped");
            await fixture.Source.ResetMaxInFlightAsync();
            var slow = await Eventually.UntilAsync(
                () => fixture.Source.GetStatsAsync(),
                s => s.InFlightHttp >= FetchCapCluster.HostCap,
                TimeSpan.FromSeconds(10),
                s => $"the slow source holding {FetchCapCluster.HostCap} requests; in flight {s.InFlightHttp}");
            output.WriteLine($"slow source: in flight {slow.InFlightHttp}, max {slow.MaxInFlightHttp}");
            Assert.True(slow.MaxInFlightHttp <= FetchCapCluster.HostCap,
                $"the slow source saw {slow.MaxInFlightHttp} concurrent requests from one silo; the per-host cap is {FetchCapCluster.HostCap}");
        }
        finally
        {
            await fixture.Source.ClearFaultsAsync();
            await Task.WhenAll(ids.Select(id => fixture.Overseer.Manager.StopAsync(id)));
        }
    }
}
