using Overseer.Models;
using Overseer.Testing;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>Exact counts need a registry of their own: this class gets a private cluster and ServiceId.</summary>
public sealed class RegistryTests : IClassFixture<OverseerCluster>
{
    private readonly OverseerCluster _fixture;

    public RegistryTests(OverseerCluster fixture) => _fixture = fixture;

    [Fact]
    public Task ListAndSummary_CountEveryWorkerByStatus_AndPageWithoutGapsOrRepeats() => ListAndSummaryAsync(_fixture.Manager);

    /// <summary>Registry truth through <paramref name="manager"/>, whose registry must hold no other worker and which
    /// runs on 2 silos (also run on a Redis Cluster by <see cref="RedisClusterGuaranteeTests"/>): list and summary count
    /// exactly the workers started, by status, and paging visits each once.</summary>
    internal static async Task ListAndSummaryAsync(IManagerGrain manager)
    {
        var completed = Enumerable.Range(0, 23).Select(i => $"done-{i:D2}").ToList();
        var stopped = Enumerable.Range(0, 4).Select(i => $"halt-{i}").ToList();
        var failed = Enumerable.Range(0, 3).Select(i => $"fail-{i}").ToList();
        foreach (var id in completed)
        {
            await manager.StartAsync(id, WorkerSpec.For("sequence", ("limit", "3")));
        }

        foreach (var id in stopped)
        {
            await manager.StartAsync(id, WorkerSpec.For("sequence", ("delayMs", "100"), ("batch", "1")));
            await manager.StopAsync(id);
        }

        foreach (var id in failed)
        {
            await manager.StartAsync(id, WorkerSpec.For("sequence", ("failAfter", "0")) with { Restart = RestartPolicy.Temporary });
        }

        var summary = await Eventually.UntilAsync(
            () => manager.GetSummaryAsync(),
            s => s.ByStatus["completed"] == 23 && s.ByStatus["stopped"] == 4 && s.ByStatus["failed"] == 3,
            Deadline,
            s => $"registry counts completed=23 stopped=4 failed=3; got {string.Join(", ", s.ByStatus.Select(kv => $"{kv.Key}={kv.Value}"))}");
        var pages = new List<WorkerPage>();
        string? after = null;
        do
        {
            var page = await manager.ListAsync(new WorkerQuery(AfterId: after, Limit: 7));
            pages.Add(page);
            after = page.NextAfterId;
        }
        while (after is not null);
        var onlyFailed = await manager.ListAsync(new WorkerQuery(Status: WorkerStatus.Failed));

        Assert.Equal(30, summary.Workers);
        Assert.Equal(0, summary.ByStatus["running"]);
        Assert.Equal(OverseerCluster.Partitions, summary.Partitions);
        Assert.Equal(2, summary.Silos);
        var listed = pages.SelectMany(p => p.Items.Select(i => i.Id)).ToList();
        Assert.Equal(completed.Concat(stopped).Concat(failed).Order(StringComparer.Ordinal), listed);
        Assert.All(pages.SkipLast(1), p => Assert.Equal(7, p.Items.Length));
        Assert.Equal(failed, onlyFailed.Items.Select(i => i.Id));
        Assert.All(onlyFailed.Items, i => Assert.Contains("temporary", i.LastError));
        Assert.All(pages.SelectMany(p => p.Items).Where(i => i.Status == WorkerStatus.Completed), i => Assert.Equal(3, i.Checkpoint));
    }
}
