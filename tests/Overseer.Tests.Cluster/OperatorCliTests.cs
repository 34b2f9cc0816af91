using System.Text.Json;
using Overseer.Models;
using Overseer.Testing;
using Xunit.Abstractions;

namespace Overseer.Tests.Cluster;

/// <summary><c>delete</c>, <c>rewind</c> and <c>audit</c> as an operator runs them: the CLI as a process against real
/// silo processes, Redis read directly to see what is left.</summary>
public sealed class OperatorCliTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private ProcessCluster _cluster = null!;
    private Client.OverseerClient _client = null!;

    public async Task InitializeAsync()
    {
        _cluster = await ProcessCluster.StartAsync(silos: 2);
        _client = await _cluster.ConnectAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private Task<long> CommittedAsync(string id, long atLeast) =>
        Eventually.UntilAsync(
            () => _cluster.CheckpointAsync(id),
            cp => cp >= atLeast,
            Deadline,
            cp => $"'{id}' to commit {atLeast} events in Redis; at {cp}");

    private async Task<JsonElement> CliJsonAsync(params string[] args)
    {
        var result = await ProcessRunner.CliAsync(_cluster, [.. args, "--json"]);
        Assert.True(result.ExitCode == 0, $"overseer {string.Join(' ', args)} --json exited {result.ExitCode}: {result.Stderr}");
        return JsonDocument.Parse(result.Stdout).RootElement;
    }

    /// <summary>Every key in Redis and every registry row that still names <paramref name="id"/>.</summary>
    private async Task<List<string>> LeftoversAsync(string id)
    {
        var server = _cluster.Mux.GetServer(_cluster.Mux.GetEndPoints()[0]);
        var db = _cluster.Mux.GetDatabase();
        var found = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: $"*{id}*"))
        {
            found.Add($"key {key}");
        }

        await foreach (var registry in server.KeysAsync(pattern: $"overseer:{_cluster.ServiceId}:registry:*"))
        {
            if (await db.HashExistsAsync(registry, id))
            {
                found.Add($"row in {registry}");
            }
        }

        return found;
    }

    [Fact]
    public async Task Delete_LeavesNothingInRedis_StatusSaysUnknown_AndTheSameIdStartsAgainAtSeqOne()
    {
        const string Id = "op-del";
        await _client.StartAsync(Id, WorkerSpec.For("sequence", ("delayMs", "20"), ("batch", "10")));
        await CommittedAsync(Id, 100);
        var before = await LeftoversAsync(Id);
        Assert.True(before.Count >= 4, "the cursor, the events, the grain state and the registry row: " + string.Join(", ", before));
        var server = _cluster.Mux.GetServer(_cluster.Mux.GetEndPoints()[0]);
        await foreach (var registry in server.KeysAsync(pattern: $"overseer:{_cluster.ServiceId}:registry:*"))
        {
            if (await _cluster.Mux.GetDatabase().HashGetAsync(registry, Id) is { IsNull: false } row)
            {
                output.WriteLine($"registry row of a running worker: {row.ToString().Length} bytes: {row}");
            }
        }

        var deleted = await CliJsonAsync("delete", Id);
        var status = await ProcessRunner.CliAsync(_cluster, "status", Id);
        var list = await CliJsonAsync("list");

        Assert.Equal(Id, deleted.GetProperty("id").GetString());
        Assert.True(deleted.GetProperty("checkpoint").GetInt64() >= 100, deleted.ToString());
        Assert.Equal(deleted.GetProperty("checkpoint").GetInt64(), deleted.GetProperty("eventsRemoved").GetInt64());
        Assert.Equal(1, status.ExitCode);
        Assert.Contains($"unknown worker '{Id}'", status.Stderr);
        Assert.DoesNotContain(Id, list.EnumerateArray().Select(w => w.GetProperty("id").GetString()));
        Assert.Empty(await LeftoversAsync(Id));

        var restart = await ProcessRunner.CliAsync(_cluster, "start", Id, "--source", "sequence", "--option", "limit=20", "--option", "batch=3");
        Assert.True(restart.ExitCode == 0, restart.Stderr);
        await Eventually.UntilAsync(() => _client.GetStatusAsync(Id), i => i.Status == WorkerStatus.Completed, Deadline, i => $"'{Id}' to complete again; {i.Status} at {i.Checkpoint}");
        ExactlyOnce.Assert(Id, await _cluster.StreamSeqsAsync(Id), 20);

        var again = await ProcessRunner.CliAsync(_cluster, "delete", Id);
        var unknown = await ProcessRunner.CliAsync(_cluster, "delete", Id);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains($"unknown worker '{Id}'", unknown.Stderr);
    }

    [Fact]
    public async Task DeletePrefix_DeletesEveryMatchingWorker_WithProgress_AndNoOther()
    {
        var ids = Enumerable.Range(0, 300).Select(i => $"bulk-{i:D3}").ToList();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (id, ct) =>
            await _client.StartAsync(id, WorkerSpec.For("sequence", ("limit", "5")), ct));
        await _client.StartAsync("bulky-survivor", WorkerSpec.For("sequence", ("limit", "5")));

        var result = await ProcessRunner.CliAsync(_cluster, "delete", "--prefix", "bulk-", "--json");
        output.WriteLine(result.Stderr);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var summary = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal((300, 300), (summary.GetProperty("total").GetInt32(), summary.GetProperty("deleted").GetInt32()));
        Assert.Equal(0, summary.GetProperty("refused").GetArrayLength());
        Assert.Contains("deleted 300 of 300", result.Stderr);
        var left = (await CliJsonAsync("list")).EnumerateArray().Select(w => w.GetProperty("id").GetString()).ToList();
        Assert.Equal(["bulky-survivor"], left.Where(id => id!.StartsWith("bulk", StringComparison.Ordinal)));
        Assert.Empty(await LeftoversAsync("bulk-"));
    }

    [Fact]
    public async Task Rewind_RacingCommits_ThenAKillOfItsSilo_EventsAreExactlyOneToTheCheckpoint_AndAudited()
    {
        const string Id = "op-rewind";
        await _client.StartAsync(Id, WorkerSpec.For("sequence", ("delayMs", "5"), ("batch", "20")));
        var environment = new Dictionary<string, string>(ProcessRunner.Environment(_cluster)) { ["Overseer__Client__Actor"] = "alice@ops" };
        long lastFrom = 0;
        for (var round = 0; round < 3; round++)
        {
            var cp = await CommittedAsync(Id, 600);
            var target = cp / 2;
            var run = await ProcessRunner.RunAsync(RepoPaths.CliDll, ["rewind", Id, "--to", target.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json"], environment, Deadline);
            Assert.True(run.ExitCode == 0, run.Stderr);
            var rewound = JsonDocument.Parse(run.Stdout).RootElement;
            lastFrom = rewound.GetProperty("fromCheckpoint").GetInt64();
            Assert.True(lastFrom >= cp, $"round {round}: rewound from {lastFrom}, but {cp} was committed before");
            Assert.Equal(lastFrom - target, rewound.GetProperty("eventsRemoved").GetInt64());
            Assert.Equal("running", rewound.GetProperty("worker").GetProperty("status").GetString());
        }

        // Kill -9 the silo the rewound worker runs on: it resumes on the other one from its cursor.
        var silo = (await _client.GetStatusAsync(Id)).Silo;
        var victim = _cluster.Silos.Single(s => s.SiloEndpoint == silo);
        victim.Kill();
        await Eventually.UntilAsync(
            () => _client.GetStatusAsync(Id),
            i => i.Silo != silo && i.Status == WorkerStatus.Running && i.Checkpoint > lastFrom,
            Deadline,
            i => $"'{Id}' to run on past {lastFrom} on the surviving silo; {i.Status} at {i.Checkpoint} on {i.Silo}");

        var stopped = await CliJsonAsync("stop", Id);
        var checkpoint = stopped.GetProperty("checkpoint").GetInt64();
        ExactlyOnce.Assert(Id, await _cluster.StreamSeqsAsync(Id), checkpoint);
        Assert.Equal(checkpoint, await _cluster.CheckpointAsync(Id));

        var beyond = await ProcessRunner.CliAsync(_cluster, "rewind", Id, "--to", (checkpoint + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1, beyond.ExitCode);
        Assert.Contains($"invalid seq {checkpoint + 1}", beyond.Stderr);
        Assert.Contains($"checkpoint {checkpoint}", beyond.Stderr);
        ExactlyOnce.Assert(Id, await _cluster.StreamSeqsAsync(Id), checkpoint);

        var audit = (await CliJsonAsync("audit", "--limit", "100")).EnumerateArray().Where(e => e.GetProperty("workerId").GetString() == Id).ToList();
        var mine = audit.Where(e => e.GetProperty("actor").GetString() == "alice@ops").ToList();
        Assert.Equal(6, mine.Count);
        Assert.All(mine, e => Assert.Equal("rewind", e.GetProperty("action").GetString()));
        Assert.Equal(["requested", "done"], mine.Take(2).Select(e => e.GetProperty("outcome").GetString()!.Split(':')[0]));
        Assert.StartsWith("refused: invalid seq", audit[^1].GetProperty("outcome").GetString());
    }
}
