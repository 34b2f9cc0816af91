using System.Diagnostics;
using Overseer.Client;
using Overseer.Models;
using Overseer.Testing;
using Xunit.Abstractions;

namespace Overseer.Tests.Cluster;

/// <summary>The registry (<c>list</c>) against the truth after a real crash: the silo each worker's own activation
/// reports (<c>status</c>) and the checkpoint committed in Redis.</summary>
/// <remarks>The promise: within two heartbeats of any kill -9, reactivation, migration or restore, every row names the
/// silo the worker really runs on and a checkpoint no older than one heartbeat.</remarks>
public sealed class RegistryTruthTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

    /// <summary>Allowance on top of the promised two heartbeats for a loaded two-core machine.</summary>
    private static readonly TimeSpan LoadSlack = TimeSpan.FromSeconds(1);

    /// <summary>How old a row's checkpoint may be: one heartbeat, plus the report's flight and the 50 ms sampling grain.</summary>
    private static readonly TimeSpan MaxRowAge = Heartbeat + TimeSpan.FromMilliseconds(500);

    /// <summary>Heartbeats the registry must have taken from each worker's first activation before the kill. A registry
    /// that orders reports by a per-activation counter keeps preferring the dead activation's rows until the new one
    /// has sent as many; this many makes that outlast the whole observation window.</summary>
    private const int ReportsBeforeKill = 15;

    /// <summary>Checks after convergence, one heartbeat apart: the rows must stay true, not flicker true once.</summary>
    private const int StayChecks = 3;

    [Fact]
    public async Task KillSilo_WithinTwoHeartbeats_EveryRowNamesTheLiveSiloAndAFreshCheckpoint()
    {
        // Arrange: 3 silos with fast failure detection, a 1 s heartbeat, and no rebalancing (rows move for no other reason).
        var testClock = Stopwatch.StartNew();
        await using var cluster = await ProcessCluster.StartAsync(silos: 3, environment: new Dictionary<string, string>
        {
            ["Overseer__Supervision__HeartbeatInterval"] = "1s",
            ["Overseer__Supervision__StallTimeout"] = "4s",
            ["Overseer__Supervision__RebalanceInterval"] = "0",
        });
        var client = await cluster.ConnectAsync();
        var clusterReady = testClock.Elapsed;
        var ids = Enumerable.Range(0, 6).Select(i => $"truth-{i}").ToList();
        var endless = WorkerSpec.For("sequence", ("batch", "10"), ("delayMs", "20"));
        foreach (var id in ids)
        {
            await client.StartAsync(id, endless);
        }

        await using var history = new CheckpointHistory(cluster.Mux, cluster.ServiceId, ids);

        // The registry has taken ReportsBeforeKill heartbeats from every worker: its row showed that many checkpoints.
        var rowCheckpoints = ids.ToDictionary(id => id, _ => new HashSet<long>());
        var before = await Eventually.UntilAsync(
            async () =>
            {
                await Task.Delay(Heartbeat / 4); // pacing: a list fans out to every partition; 4 looks per heartbeat see each report
                var rows = await client.ListAsync().ToListAsync();
                foreach (var row in rows.Where(r => r.Status == WorkerStatus.Running && rowCheckpoints.ContainsKey(r.Id)))
                {
                    rowCheckpoints[row.Id].Add(row.Checkpoint);
                }

                return rows;
            },
            rows => rows.Count == ids.Count && rows.All(r => r.Status == WorkerStatus.Running && r.Silo is not null)
                    && rowCheckpoints.Values.All(seen => seen.Count >= ReportsBeforeKill),
            TimeSpan.FromSeconds(45),
            rows => $"phase 'before the kill': all {ids.Count} workers running, each row refreshed by {ReportsBeforeKill} heartbeats; rows: "
                    + string.Join(", ", rows.Select(r => $"{r.Id} {r.Status}@{r.Silo} ({rowCheckpoints.GetValueOrDefault(r.Id)?.Count ?? 0} checkpoints seen)")));
        var victimEndpoint = before.GroupBy(r => r.Silo!).MaxBy(g => g.Count())!.Key;
        var victim = cluster.Silos.Single(s => s.SiloEndpoint == victimEndpoint);
        var affected = before.Where(r => r.Silo == victimEndpoint).Select(r => r.Id).ToList();
        Assert.True(affected.Count >= 2, $"6 workers on 3 silos: the busiest silo hosts at least 2, {victim.Name} hosts {affected.Count}");
        output.WriteLine($"cluster ready {clusterReady.TotalSeconds:0.0} s into the test; before the kill ({testClock.Elapsed.TotalSeconds:0.0} s): "
            + string.Join(", ", before.Select(r => $"{r.Id}@{SiloName(cluster, r.Silo)} cp {r.Checkpoint} v{Describe(r.Version)}")));

        // Act: kill -9 the silo hosting the most workers.
        victim.Kill();
        var killedAt = history.Now;
        var checkpointAtKill = new Dictionary<string, long>();
        foreach (var id in affected)
        {
            checkpointAtKill[id] = await cluster.CheckpointAsync(id); // the process is gone: nothing of it commits any more
        }

        var twoHeartbeatsAfterKill = ObserveAsync(cluster, client, history, ids, killedAt + (2 * Heartbeat));

        await Eventually.UntilAsync(
            () => Task.FromResult(affected.Where(id => history.FirstAbove(id, checkpointAtKill[id], killedAt) is null).ToList()),
            waiting => waiting.Count == 0,
            TimeSpan.FromSeconds(30),
            waiting => $"phase 'resume': the {affected.Count} workers of killed {victim.Name} to commit again; not yet: "
                       + string.Join(", ", waiting.Select(id => $"{id} (cp {history.Latest(id)}, {checkpointAtKill[id]} at the kill)"))
                       + $"\n{cluster.LogTails()}");
        var lastResumedAt = affected.Max(id => history.FirstAbove(id, checkpointAtKill[id], killedAt)!.Value);

        var live = cluster.Silos.Where(s => !s.HasExited).Select(s => s.SiloEndpoint).ToHashSet();
        var truth = await Eventually.UntilAsync(
            async () => await Task.WhenAll(ids.Select(id => client.GetStatusAsync(id))),
            statuses => statuses.All(s => s.Status == WorkerStatus.Running && s.Silo is not null && live.Contains(s.Silo)),
            TimeSpan.FromSeconds(20),
            statuses => $"phase 'status after the kill': every worker's own status Running on a live silo ({string.Join(", ", live)}); was "
                        + string.Join(", ", statuses.Select(s => $"{s.Id} {s.Status}@{s.Silo}")));
        var truthSilo = truth.ToDictionary(s => s.Id, s => s.Silo!);

        // Assert 1: within two heartbeats (plus slack for the loaded machine) of the last worker resuming, every row is true.
        var deadline = lastResumedAt + (2 * Heartbeat) + LoadSlack;
        RowCheck check;
        do
        {
            check = await CheckRowsAsync(client, history, ids, truthSilo);
            if (check.Wrong.Count == 0)
            {
                break;
            }

            await Task.Delay(100); // pacing between looks; the deadline decides
        }
        while (history.Now < deadline);

        var (snapshotAt, snapshot) = await twoHeartbeatsAfterKill;
        output.WriteLine($"kill -9 of {victim.Name} at +0.00 s ({testClock.Elapsed.TotalSeconds:0.0} s into the test) hosting {string.Join(", ", affected)}; "
            + $"the last of them committed again at +{(lastResumedAt - killedAt).TotalSeconds:0.00} s");
        output.WriteLine($"registry 2 heartbeats after the kill (list at +{(snapshotAt - killedAt).TotalSeconds:0.00} s): {snapshot}");
        output.WriteLine($"status after the resume: " + string.Join(", ", truth.Select(s => $"{s.Id}@{SiloName(cluster, s.Silo)} cp {s.Checkpoint} v{Describe(s.Version)}")));
        output.WriteLine($"registry at the deadline (+{(check.At - killedAt).TotalSeconds:0.00} s): {check.Describe(cluster)}");

        // Then they must stay true, heartbeat after heartbeat (looked at before asserting, so a failure above still reports them).
        var later = new List<RowCheck>();
        for (var i = 0; i < StayChecks; i++)
        {
            await Task.Delay(Heartbeat); // the observation schedule: one look per heartbeat
            later.Add(await CheckRowsAsync(client, history, ids, truthSilo));
        }

        foreach (var look in later)
        {
            output.WriteLine($"registry at +{(look.At - killedAt).TotalSeconds:0.00} s: {look.Describe(cluster)}");
        }

        Assert.True(
            check.Wrong.Count == 0,
            $"phase 'converge': {(deadline - lastResumedAt).TotalSeconds:0.0} s (2 heartbeats + {LoadSlack.TotalSeconds:0} s) after the last worker of killed {victim.Name} resumed, "
            + $"{check.Wrong.Count} of {ids.Count} rows are not true (expected: the silo status names and a checkpoint at most {MaxRowAge.TotalSeconds:0.0} s old): {check.DescribeWrong(cluster)}");

        var relapses = later.Where(c => c.Wrong.Count > 0).ToList();
        Assert.True(
            relapses.Count == 0,
            $"phase 'stay true': {relapses.Count} of {StayChecks} later looks (one per heartbeat) found untrue rows: "
            + string.Join("; ", relapses.Select(c => $"at +{(c.At - killedAt).TotalSeconds:0.00} s {c.DescribeWrong(cluster)}")));

        // The comparison assumed nothing moved after the resume (rebalancing is off): confirm it.
        var moved = (await Task.WhenAll(ids.Select(id => client.GetStatusAsync(id)))).Where(s => s.Silo != truthSilo[s.Id]).ToList();
        Assert.True(moved.Count == 0, "workers moved during the observation, so the comparison is void: "
            + string.Join(", ", moved.Select(s => $"{s.Id} {truthSilo[s.Id]} -> {s.Silo}")));
        output.WriteLine($"test took {testClock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Reads <c>list</c> once and compares every row with the truth: the silo from the worker's own status,
    /// and the Redis checkpoint as it was <see cref="MaxRowAge"/> before the list call began.</summary>
    private static async Task<RowCheck> CheckRowsAsync(
        OverseerClient client, CheckpointHistory history, IReadOnlyList<string> ids, IReadOnlyDictionary<string, string> truthSilo)
    {
        var at = history.Now;
        var rows = (await client.ListAsync().ToListAsync()).ToDictionary(r => r.Id);
        var lines = new List<RowLine>();
        foreach (var id in ids)
        {
            var row = rows.GetValueOrDefault(id);
            var required = history.At(id, at - MaxRowAge);
            var current = history.At(id, at);
            lines.Add(new RowLine(id, row, truthSilo[id], required, current));
        }

        return new RowCheck(at, lines);
    }

    /// <summary>One <c>list</c> at <paramref name="when"/> (a scheduled observation for the report, not a wait).</summary>
    private static async Task<(TimeSpan At, string Rows)> ObserveAsync(
        ProcessCluster cluster, OverseerClient client, CheckpointHistory history, IReadOnlyList<string> ids, TimeSpan when)
    {
        var wait = when - history.Now;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        var at = history.Now;
        try
        {
            var rows = (await client.ListAsync().ToListAsync()).ToDictionary(r => r.Id);
            return (at, string.Join(", ", ids.Select(id => rows.TryGetValue(id, out var r)
                ? $"{id}@{SiloName(cluster, r.Silo)} cp {r.Checkpoint} v{Describe(r.Version)} (Redis cp {history.At(id, at)})"
                : $"{id} missing")));
        }
        catch (Exception ex)
        {
            return (at, $"list failed after {(history.Now - at).TotalSeconds:0.0} s: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private static string SiloName(ProcessCluster cluster, string? endpoint) =>
        cluster.Silos.FirstOrDefault(s => s.SiloEndpoint == endpoint) is { } silo ? $"{silo.Name}{(silo.HasExited ? "(dead)" : "")}" : endpoint ?? "none";

    /// <summary>A row's version as the registry orders it: the cursor generation, then the activation's report counter
    /// (the low 24 bits).</summary>
    private static string Describe(long version) => $"g{version >> 24}.{version & ((1L << 24) - 1)}";

    private sealed record RowLine(string Id, WorkerInfo? Row, string TruthSilo, long RequiredCheckpoint, long RedisCheckpoint)
    {
        public bool True => Row is not null && Row.Silo == TruthSilo && Row.Checkpoint >= RequiredCheckpoint;

        public string Describe(ProcessCluster cluster) => Row is null
            ? $"{Id}: no row"
            : $"{Id}: list {SiloName(cluster, Row.Silo)} cp {Row.Checkpoint} (v{RegistryTruthTests.Describe(Row.Version)}) vs status {SiloName(cluster, TruthSilo)}, "
              + $"cp >= {RequiredCheckpoint} expected (Redis cp {RedisCheckpoint}, {RedisCheckpoint - Row.Checkpoint} events ahead of the row)";
    }

    private sealed record RowCheck(TimeSpan At, IReadOnlyList<RowLine> Lines)
    {
        public IReadOnlyList<RowLine> Wrong => [.. Lines.Where(l => !l.True)];

        public string Describe(ProcessCluster cluster) => string.Join("; ", Lines.Select(l => l.Describe(cluster)));

        public string DescribeWrong(ProcessCluster cluster) => string.Join("; ", Wrong.Select(l => l.Describe(cluster)));
    }
}
