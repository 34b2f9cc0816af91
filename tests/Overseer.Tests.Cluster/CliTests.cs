using System.Text.Json;

namespace Overseer.Tests.Cluster;

/// <summary>The CLI contract, run as a real process against a real one-silo cluster.</summary>
public sealed class CliTests : IAsyncLifetime
{
    private ProcessCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ProcessCluster.StartAsync(silos: 1);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task StartStatusEventsListSummary_SpeakTheDocumentedJson()
    {
        var start = await ProcessRunner.CliAsync(_cluster, "start", "cli-1", "--source", "sequence", "--option", "limit=40", "--option", "batch=7", "--max-restarts", "9", "--restart-window", "30", "--json");
        Assert.True(start.ExitCode == 0, start.Stderr);
        await Overseer.Testing.Eventually.UntilAsync(
            async () => (await ProcessRunner.CliAsync(_cluster, "status", "cli-1", "--json")).Stdout.Contains("\"completed\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60),
            () => "cli-1 to complete");

        var status = JsonDocument.Parse((await ProcessRunner.CliAsync(_cluster, "status", "cli-1", "--json")).Stdout).RootElement;
        var events = JsonDocument.Parse((await ProcessRunner.CliAsync(_cluster, "events", "cli-1", "--from", "38", "--json")).Stdout).RootElement;
        var list = JsonDocument.Parse((await ProcessRunner.CliAsync(_cluster, "list", "--status", "completed", "--json")).Stdout).RootElement;
        var summary = JsonDocument.Parse((await ProcessRunner.CliAsync(_cluster, "summary", "--json")).Stdout).RootElement;
        var accept = await ProcessRunner.CliAsync(_cluster, "accept", "cli-1");

        Assert.Equal("cli-1", status.GetProperty("id").GetString());
        Assert.Equal("completed", status.GetProperty("status").GetString());
        Assert.Equal(40, status.GetProperty("checkpoint").GetInt64());
        Assert.Equal(0, status.GetProperty("restarts").GetInt32());
        Assert.Equal(_cluster.Silos[0].SiloEndpoint, status.GetProperty("silo").GetString());
        Assert.Equal("sequence", status.GetProperty("source").GetString());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("lastError").ValueKind);
        Assert.Equal([38L, 39, 40], events.EnumerateArray().Select(e => e.GetProperty("seq").GetInt64()));
        Assert.StartsWith("cli-1#38#", events[0].GetProperty("payload").GetString());
        Assert.Equal(["cli-1"], list.EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        Assert.Equal(1, summary.GetProperty("workers").GetInt32());
        Assert.Equal(1, summary.GetProperty("byStatus").GetProperty("completed").GetInt32());
        Assert.Equal(8, summary.GetProperty("partitions").GetInt32());
        Assert.Equal(1, summary.GetProperty("silos").GetInt32());
        Assert.Equal(1, accept.ExitCode);
        Assert.Contains("worker 'cli-1' is completed, not waiting on a handler version change", accept.Stderr);
    }

    [Fact]
    public async Task BadInput_FailsWithAMessageAndANonZeroExit()
    {
        var unknown = await ProcessRunner.CliAsync(_cluster, "status", "nobody", "--json");
        var badId = await ProcessRunner.CliAsync(_cluster, "start", "no spaces", "--source", "sequence");
        var badKind = await ProcessRunner.CliAsync(_cluster, "start", "k1", "--source", "kafka");
        var badRestart = await ProcessRunner.CliAsync(_cluster, "start", "k2", "--source", "sequence", "--restart", "sometimes");

        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("unknown worker 'nobody'", unknown.Stderr);
        Assert.Equal(2, badId.ExitCode);
        Assert.Contains("invalid worker id 'no spaces'", badId.Stderr);
        Assert.Equal(1, badKind.ExitCode);
        Assert.Contains("unknown source kind 'kafka': valid kinds are evm, feed, http-poll, sequence, stream, websocket", badKind.Stderr);
        Assert.Equal(2, badRestart.ExitCode);
        Assert.Contains("sometimes", badRestart.Stderr);
        Assert.Empty(unknown.Stdout);
    }
}
