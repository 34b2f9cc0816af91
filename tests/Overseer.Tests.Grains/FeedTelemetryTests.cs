using Overseer.Diagnostics;
using Overseer.Models;
using Overseer.Testing;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>Failover telemetry against the real reference source: failovers and switch-backs counted once each,
/// lag reported per partition.</summary>
public sealed class FeedTelemetryTests(FeedCluster fixture) : IClassFixture<FeedCluster>
{
    private IClusterClient Client => fixture.Overseer.Client;

    [Fact]
    public async Task PushDropped_FailoversAndSwitchBacks_MatchWorkerCounts()
    {
        using var metrics = new OverseerMetrics(fixture.Overseer.Cluster);
        var feed = $"otel-{Guid.NewGuid():N}"[..16];
        var ids = Enumerable.Range(0, 4).Select(i => $"{feed}-w{i}").ToList();
        var spec = WorkerSpec.For("feed", ("url", fixture.Source.FeedUrl(feed)), ("stallMs", "1000"), ("intervalMs", "100"));
        await Task.WhenAll(ids.Select(id => fixture.Overseer.Manager.StartAsync(id, spec)));
        Task<WorkerInfo[]> InfosAsync() => Task.WhenAll(ids.Select(id => Client.GetGrain<IWorkerGrain>(id).GetInfoAsync()));
        string Describe(WorkerInfo[] infos) => string.Join(", ", infos.Select(i => $"{i.Id}={i.Status}/{i.Handler}@{i.Checkpoint} f{i.Failovers}"));
        await Eventually.UntilAsync(InfosAsync, all => all.All(i => i is { Handler: "push" } && i.Checkpoint >= 20), Deadline, all => "all workers on push past 20; " + Describe(all));
        Assert.Equal(0, metrics.Counter(OverseerInstruments.FailoversName));

        await fixture.Source.InjectFaultAsync("ws-drop", 3, feed);
        var back = await Eventually.UntilAsync(
            InfosAsync,
            all => all.All(i => i is { Status: WorkerStatus.Running, Handler: "push", Failovers: >= 1 }),
            Deadline,
            all => "every worker failed over and back on push after a 3 s ws-drop; " + Describe(all));

        // Every failover is followed by exactly one switch-back once all are on push again.
        var expected = 0L;
        var seen = await Eventually.UntilAsync(
            async () =>
            {
                expected = (await InfosAsync()).Sum(i => (long)i.Failovers);
                return (Failovers: metrics.Counter(OverseerInstruments.FailoversName), SwitchBacks: metrics.Counter(OverseerInstruments.SwitchBacksName));
            },
            m => m.Failovers == expected && m.SwitchBacks == expected,
            Deadline,
            m => $"failovers and switch-backs to equal the workers' failover total {expected}; measured {m}");
        Assert.True(seen.Failovers >= ids.Count, $"{seen.Failovers} failovers for {ids.Count} workers");
        Assert.True(back.All(i => i.Head is not null), "every feed worker knows its head");

        var lag = await Eventually.UntilAsync(
            () => Task.FromResult(metrics.Gauge(OverseerInstruments.LagName, "partition")),
            g => g.Count == OverseerCluster.Partitions,
            Deadline,
            g => $"overseer.lag for each of {OverseerCluster.Partitions} partitions; got " + string.Join(", ", g.Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.Equal(Enumerable.Range(0, OverseerCluster.Partitions).Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(), lag.Keys.Order());
        Assert.All(lag.Values, v => Assert.True(v >= 0, $"negative lag {v}"));
    }
}
