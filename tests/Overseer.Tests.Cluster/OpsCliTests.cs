using System.Text.Json;
using Overseer.Models;
using Overseer.Testing;

namespace Overseer.Tests.Cluster;

/// <summary>The operations commands (silos, watch) as real processes against a real two-silo cluster.</summary>
public sealed class OpsCliTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly string[] Ids = [.. Enumerable.Range(0, 6).Select(i => $"ops-{i}")];

    private ProcessCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await ProcessCluster.StartAsync(silos: 2);
        var client = await _cluster.ConnectAsync();
        foreach (var id in Ids)
        {
            await client.StartAsync(id, WorkerSpec.For("sequence", ("delayMs", "50"), ("batch", "1")));
        }
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Silos_Json_ListsBothSilosWithAllPartitionsAndEveryRunningWorker()
    {
        var silos = await Eventually.UntilAsync(
            async () => JsonDocument.Parse((await ProcessRunner.CliAsync(_cluster, "silos", "--json")).Stdout).RootElement,
            s => s.EnumerateArray().Sum(r => r.GetProperty("workers").GetInt32()) == Ids.Length,
            Deadline,
            s => $"silos --json to count {Ids.Length} running workers; got {s}");
        var running = JsonDocument.Parse((await ProcessRunner.CliAsync(_cluster, "list", "--status", "running", "--json")).Stdout).RootElement;
        var text = await ProcessRunner.CliAsync(_cluster, "silos");

        var rows = silos.EnumerateArray().ToList();
        Assert.Equal(_cluster.Silos.Select(s => s.SiloEndpoint).Order(StringComparer.Ordinal), rows.Select(r => r.GetProperty("address").GetString()));
        Assert.All(rows, r => Assert.Equal("active", r.GetProperty("status").GetString()));
        Assert.Equal(8, rows.Sum(r => r.GetProperty("partitions").GetInt32()));
        Assert.Equal(Ids, running.EnumerateArray().Select(w => w.GetProperty("id").GetString()));
        foreach (var row in rows)
        {
            var address = row.GetProperty("address").GetString();
            Assert.Equal(running.EnumerateArray().Count(w => w.GetProperty("silo").GetString() == address), row.GetProperty("workers").GetInt32());
        }

        Assert.True(text.ExitCode == 0, text.Stderr);
        Assert.StartsWith("ADDRESS", text.Stdout, StringComparison.Ordinal);
        Assert.Equal(3, text.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task WatchOnceJson_ReportsCountsRateAndTheSlowestWorkers()
    {
        await AllRunningAsync();

        var result = await ProcessRunner.CliAsync(_cluster, "watch", "--once", "--interval", "1", "--top", "3", "--json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var watch = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal(Ids.Length, watch.GetProperty("workers").GetInt32());
        Assert.Equal(Ids.Length, watch.GetProperty("byStatus").GetProperty("running").GetInt32());
        Assert.Equal(2, watch.GetProperty("silos").GetInt32());
        Assert.Equal(8, watch.GetProperty("partitions").GetInt32());
        Assert.Equal(0, watch.GetProperty("failovers").GetInt64());
        Assert.True(watch.GetProperty("checkpoints").GetInt64() > 0, result.Stdout);
        Assert.True(watch.GetProperty("eventsPerSecond").GetDouble() > 0, result.Stdout);
        var slowest = watch.GetProperty("slowest").EnumerateArray().ToList();
        Assert.Equal(3, slowest.Count);
        Assert.All(slowest, w => Assert.Contains(w.GetProperty("id").GetString(), Ids));
        Assert.All(slowest, w => Assert.Equal(JsonValueKind.Null, w.GetProperty("lag").ValueKind));
        var checkpoints = slowest.Select(w => w.GetProperty("checkpoint").GetInt64()).ToList();
        Assert.Equal(checkpoints.Order(), checkpoints);
    }

    [Fact]
    public async Task Watch_WithStdoutRedirected_PrintsOneTextSnapshotAndExits()
    {
        await AllRunningAsync();

        var result = await ProcessRunner.CliAsync(_cluster, "watch", "--interval", "0.5");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("at=", lines[0], StringComparison.Ordinal);
        Assert.Contains($"workers={Ids.Length} ", lines[0], StringComparison.Ordinal);
        Assert.Contains(" silos=2 partitions=8", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("SLOWEST", lines[1], StringComparison.Ordinal);
    }

    private Task AllRunningAsync() => Eventually.UntilAsync(
        async () => JsonDocument.Parse((await ProcessRunner.CliAsync(_cluster, "summary", "--json")).Stdout).RootElement,
        s => s.GetProperty("byStatus").GetProperty("running").GetInt32() == Ids.Length && s.GetProperty("silos").GetInt32() == 2,
        Deadline,
        s => $"summary to show {Ids.Length} running workers on 2 silos; got {s}");
}
