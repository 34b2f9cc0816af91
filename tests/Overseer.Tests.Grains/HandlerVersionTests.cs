using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Overseer.Errors;
using Overseer.Handlers;
using Overseer.Models;
using Overseer.Testing;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>Handler versions on a 2-silo cluster with a real PostgreSQL: each silo's <see cref="VersionedHandler"/> has the
/// version a test gives it (a deploy), and writes it into every row, so the rows say which version committed each event.
/// A version change waits at the checkpoint, committing nothing; accept continues with the new version, rewind --to 0
/// rebuilds with it; with both versions side by side, a worker moving between the silos never commits both.</summary>
public sealed class HandlerVersionTests(PostgresCluster fixture) : IClassFixture<PostgresCluster>
{
    /// <summary>Endless for these tests (they stop the worker): a batch of 10 every 20 ms at most.</summary>
    private static WorkerSpec Spec(long limit = 1_000_000, int delayMs = 20) =>
        WorkerSpec.For("sequence", ("limit", $"{limit}"), ("batch", "10"), ("delayMs", $"{delayMs}")) with { Handler = VersionedHandler.Name };

    private InProcessTestCluster Silos => fixture.Cluster.Cluster;

    private IWorkerGrain Worker(string id) => fixture.Client.GetGrain<IWorkerGrain>(id);

    private VersionedHandler HandlerOn(int silo) =>
        (VersionedHandler)Silos.Silos[silo].ServiceProvider.GetRequiredKeyedService<IEventHandler>(VersionedHandler.Name);

    /// <summary>Deploys <paramref name="versions"/>[i] on silo i.</summary>
    private void Deploy(params int[] versions)
    {
        for (var i = 0; i < versions.Length; i++)
        {
            HandlerOn(i).Version = versions[i];
        }
    }

    private Task<WorkerInfo> WaitForCheckpointAsync(string id, long atLeast, string phase) =>
        Eventually.UntilAsync(
            () => Worker(id).GetInfoAsync(),
            i => i.Status == WorkerStatus.Running && i.Checkpoint >= atLeast,
            Deadline,
            i => $"phase '{phase}': worker '{id}' running past checkpoint {atLeast}; it is {i.Status} at {i.Checkpoint} on {i.Silo} (last error '{i.LastError}')");

    private Task<WorkerInfo> WaitForVersionHaltAsync(string id, string phase) =>
        Eventually.UntilAsync(
            () => Worker(id).GetInfoAsync(),
            i => i.Status == WorkerStatus.Halted,
            Deadline,
            i => $"phase '{phase}': worker '{id}' halted on a handler version change; it is {i.Status} at {i.Checkpoint} on {i.Silo} (last error '{i.LastError}')");

    /// <summary>Every seq 1..<paramref name="last"/> once, written by <paramref name="before"/> up to
    /// <paramref name="switchedAt"/> and by <paramref name="after"/> after it.</summary>
    private async Task AssertRowsAsync(string id, long last, int before, long switchedAt, int after)
    {
        var rows = await VersionedHandler.RowsAsync(fixture.ConnectionString, id);
        Assert.True(rows.Length == last, $"worker '{id}' has {rows.Length} rows in {VersionedHandler.Table}, expected exactly {last}");
        Assert.Equal(Enumerable.Range(1, (int)last).Select(i => (long)i), rows.Select(r => r.Seq));
        var wrong = rows.Where(r => r.Version != (r.Seq <= switchedAt ? before : after)).ToList();
        Assert.True(
            wrong.Count == 0,
            $"worker '{id}': rows up to seq {switchedAt} must be version {before} and the rest version {after}; "
            + $"{wrong.Count} are not, e.g. {string.Join(", ", wrong.Take(5).Select(r => $"seq {r.Seq} v{r.Version}"))}");
    }

    private static void AssertVersionHalt(WorkerInfo halted, long checkpoint, int committed, int current)
    {
        var halt = Assert.IsType<WorkerHalt>(halted.Halt);
        Assert.Equal(HaltReason.HandlerVersion, halt.Reason);
        Assert.Equal(checkpoint, halt.Seq);
        Assert.Equal(checkpoint, halted.Checkpoint);
        Assert.Equal(HandlerVersions.ErrorType, halt.ErrorType);
        Assert.Equal((committed, current), (halt.CommittedVersion, halt.HandlerVersion));
        Assert.Equal(0, halted.Restarts);
        Assert.Contains($"overseer accept {halted.Id}", halt.Error);
    }

    [Fact]
    public async Task VersionChange_WaitsAtTheCheckpoint_CommittingNothing_ThenAcceptContinuesWithTheNewVersion_ExactlyOnce()
    {
        var id = $"hv-accept-{Guid.NewGuid():N}";
        Deploy(1, 1);
        using var metrics = new OverseerMetrics(Silos);
        await fixture.Manager.StartAsync(id, Spec());
        await WaitForCheckpointAsync(id, 30, "v1 running");
        var stopped = await fixture.Manager.StopAsync(id);

        // Act 1: the deploy brings version 2; the worker resumed on it waits at its checkpoint.
        Deploy(2, 2);
        await fixture.Manager.ResumeAsync(id);
        var halted = await WaitForVersionHaltAsync(id, "after the deploy");
        var rowsWhileHalted = await VersionedHandler.RowsAsync(fixture.ConnectionString, id);
        var resumedAgain = await fixture.Manager.ResumeAsync(id);
        var stillHalted = await WaitForVersionHaltAsync(id, "resumed again on version 2");

        // Act 2: the operator accepts version 2.
        var accepted = await fixture.Manager.AcceptAsync(id, "test");
        await WaitForCheckpointAsync(id, stopped.Checkpoint + 30, "v2 accepted");
        var refused = await Assert.ThrowsAsync<OverseerException>(() => fixture.Manager.AcceptAsync(id, "test"));
        var final = await fixture.Manager.StopAsync(id);

        AssertVersionHalt(halted, stopped.Checkpoint, committed: 1, current: 2);
        Assert.Contains($"overseer rewind {id} --to 0", halted.Halt!.Error);
        Assert.True(rowsWhileHalted.Length == stopped.Checkpoint && rowsWhileHalted.All(r => r.Version == 1),
            $"worker '{id}' halted at {stopped.Checkpoint} with {rowsWhileHalted.Length} rows, versions {string.Join(",", rowsWhileHalted.Select(r => r.Version).Distinct())}: nothing may be committed under version 2 before the accept");
        AssertVersionHalt(stillHalted, stopped.Checkpoint, committed: 1, current: 2);
        Assert.Equal((1, 2, stopped.Checkpoint), (accepted.FromVersion, accepted.ToVersion, accepted.Worker.Checkpoint));
        Assert.Null(accepted.Worker.Halt);
        Assert.Equal(OverseerErrorCode.Conflict, refused.Code);
        Assert.Contains("not waiting on a handler version change", refused.Message);
        Assert.True(metrics.Counter("overseer.halted", ("reason", "handler-version")) >= 2, "overseer.halted{reason=handler-version} counts both halts");
        await AssertRowsAsync(id, final.Checkpoint, before: 1, switchedAt: stopped.Checkpoint, after: 2);
        var audit = (await fixture.Manager.GetAuditAsync(1000)).Where(e => e.WorkerId == id && e.Action == "accept").Select(e => e.Outcome).ToList();
        Assert.Contains(audit, o => o.StartsWith($"done: handler version 1 -> 2 at checkpoint {stopped.Checkpoint}", StringComparison.Ordinal));
        Assert.Contains(audit, o => o.StartsWith("refused: ", StringComparison.Ordinal));
        _ = resumedAgain;
    }

    [Fact]
    public async Task VersionChange_ThenRewindToZero_RebuildsWithTheNewVersion_EveryRowOnce()
    {
        var id = $"hv-rebuild-{Guid.NewGuid():N}";
        Deploy(1, 1);
        await fixture.Manager.StartAsync(id, Spec(limit: 120, delayMs: 0));
        await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);
        Deploy(2, 2);
        await fixture.Manager.ResumeAsync(id);
        var halted = await WaitForVersionHaltAsync(id, "completed worker resumed on version 2");

        var rewound = await fixture.Manager.RewindAsync(id, 0, "test");
        var rebuilt = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);

        AssertVersionHalt(halted, 120, committed: 1, current: 2);
        Assert.Equal(120, rewound.FromCheckpoint);
        Assert.Equal(120, rebuilt.Checkpoint);
        Assert.Null(rebuilt.Halt);
        await AssertRowsAsync(id, 120, before: 2, switchedAt: 0, after: 2);
    }

    [Fact]
    public async Task RollingDeploy_OldSilosStopped_TheirWorkersWaitOnTheNewSilo_AcceptContinues_NeverBothVersions()
    {
        // A cluster of its own (its silos are stopped): two silos with version 1, running the workers.
        var cluster = await fixture.Cluster.StartClusterAsync($"svc-{Guid.NewGuid():N}", silos: 2);
        await using var _ = cluster;
        var manager = cluster.Client.GetGrain<IManagerGrain>(0);
        var ids = Enumerable.Range(0, 4).Select(i => $"hv-deploy-{i}-{Guid.NewGuid():N}").ToList();
        foreach (var id in ids)
        {
            await manager.StartAsync(id, Spec());
        }

        foreach (var silo in cluster.Silos)
        {
            ((VersionedHandler)silo.ServiceProvider.GetRequiredKeyedService<IEventHandler>(VersionedHandler.Name)).Version = 1;
        }

        await Eventually.UntilAsync(
            () => Task.WhenAll(ids.Select(id => cluster.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync())),
            all => all.All(i => i.Status == WorkerStatus.Running && i.Checkpoint >= 20),
            Deadline,
            all => $"phase 'version 1': every worker running past 20; {string.Join(", ", all.Select(i => $"{i.Id}={i.Status}@{i.Checkpoint} on {i.Silo}"))}");

        // Act: a silo with version 2 joins, then the old silos are stopped one after the other (a rolling deploy).
        WorkerHalt[] halts;
        var old = cluster.Silos.ToList();
        try
        {
            VersionedHandler.VersionOfNewSilos = 2;
            var added = await cluster.StartAdditionalSiloAsync();
            foreach (var silo in old)
            {
                await cluster.StopSiloAsync(silo);
            }

            var halted = await Eventually.UntilAsync(
                () => Task.WhenAll(ids.Select(id => cluster.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync())),
                all => all.All(i => i.Status == WorkerStatus.Halted),
                TimeSpan.FromSeconds(60),
                all => $"phase 'old silos stopped': every worker halted on the new silo {added.SiloAddress.Endpoint}; {string.Join(", ", all.Select(i => $"{i.Id}={i.Status}@{i.Checkpoint} on {i.Silo}"))}");
            halts = [.. halted.Select(i => i.Halt!)];
            Assert.All(halted, i => Assert.Equal(added.SiloAddress.Endpoint.ToString(), i.Silo));
        }
        finally
        {
            VersionedHandler.VersionOfNewSilos = 1;
        }

        var rowsWhileHalted = await Task.WhenAll(ids.Select(id => VersionedHandler.RowsAsync(fixture.ConnectionString, id)));
        foreach (var id in ids)
        {
            await manager.AcceptAsync(id, "test");
        }

        await Eventually.UntilAsync(
            () => Task.WhenAll(ids.Select(id => cluster.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync())),
            all => all.Select((i, n) => i.Status == WorkerStatus.Running && i.Checkpoint >= halts[n].Seq + 20).All(ok => ok),
            Deadline,
            all => $"phase 'accepted': every worker running 20 past its halt; {string.Join(", ", all.Select(i => $"{i.Id}={i.Status}@{i.Checkpoint}"))}");
        var finals = new List<WorkerInfo>();
        foreach (var id in ids)
        {
            finals.Add(await manager.StopAsync(id));
        }

        for (var n = 0; n < ids.Count; n++)
        {
            Assert.Equal((HaltReason.HandlerVersion, (int?)1, (int?)2), (halts[n].Reason, halts[n].CommittedVersion, halts[n].HandlerVersion));
            Assert.True(rowsWhileHalted[n].Length == halts[n].Seq && rowsWhileHalted[n].All(r => r.Version == 1),
                $"worker '{ids[n]}' halted at {halts[n].Seq} with {rowsWhileHalted[n].Length} rows: only version 1's, up to the halt");
            await AssertRowsAsync(ids[n], finals[n].Checkpoint, before: 1, switchedAt: halts[n].Seq, after: 2);
        }
    }

    [Fact]
    public async Task RollingDeploy_BothVersionsSideBySide_AWorkerMovingBetweenThem_NeverCommitsBoth()
    {
        var id = $"hv-rolling-{Guid.NewGuid():N}";
        var (oldSilo, newSilo) = (Silos.Silos[0], Silos.Silos[1]);
        Deploy(1, 1);
        await fixture.Manager.StartAsync(id, Spec());
        await Eventually.UntilAsync(
            async () =>
            {
                // A move is a no-op until the worker runs; asked again until it has landed.
                await Worker(id).MoveToAsync(oldSilo.SiloAddress);
                return await Worker(id).GetInfoAsync();
            },
            i => i.Status == WorkerStatus.Running && i.Silo == oldSilo.SiloAddress.Endpoint.ToString() && i.Checkpoint >= 20,
            Deadline,
            i => $"phase 'on the old silo': worker '{id}' running on {oldSilo.SiloAddress.Endpoint} past 20; it is {i.Status} at {i.Checkpoint} on {i.Silo}");

        // Phase 1: silo 1 is deployed with version 2 while the worker runs on silo 0, which goes on with version 1.
        Deploy(1, 2);
        var onOld = await WaitForCheckpointAsync(id, (await Worker(id).GetInfoAsync()).Checkpoint + 20, "old silo still committing");

        // Phase 2: the worker moves to the new silo: it waits there, committing nothing.
        await Worker(id).MoveToAsync(newSilo.SiloAddress);
        var haltedOnNew = await WaitForVersionHaltAsync(id, "moved to the new silo");
        var switchedAt = haltedOnNew.Checkpoint;

        // Phase 3: the operator accepts version 2; the worker goes on on the new silo, then moves back to the old one,
        // which must not commit with its older version either.
        var accepted = await fixture.Manager.AcceptAsync(id, "test");
        await WaitForCheckpointAsync(id, switchedAt + 20, "v2 accepted");
        await Worker(id).MoveToAsync(oldSilo.SiloAddress);
        var haltedOnOld = await WaitForVersionHaltAsync(id, "moved back to the old silo");
        var rowsOnOld = await VersionedHandler.RowsAsync(fixture.ConnectionString, id);

        // Phase 4: the deploy reaches silo 0. The waiting worker's activation goes away; activated again anywhere, it finds
        // the version its effects were committed with, and runs by itself.
        Deploy(2, 2);
        await fixture.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await WaitForCheckpointAsync(id, haltedOnOld.Checkpoint + 20, "deploy finished, activated again");
        var final = await fixture.Manager.StopAsync(id);

        Assert.True(onOld.Silo == oldSilo.SiloAddress.Endpoint.ToString(), $"phase 1: worker '{id}' ran on {onOld.Silo}, expected the old silo");
        Assert.Equal(newSilo.SiloAddress.Endpoint.ToString(), haltedOnNew.Silo);
        AssertVersionHalt(haltedOnNew, switchedAt, committed: 1, current: 2);
        Assert.Equal((1, 2, switchedAt), (accepted.FromVersion, accepted.ToVersion, accepted.Worker.Checkpoint));
        Assert.Equal(oldSilo.SiloAddress.Endpoint.ToString(), haltedOnOld.Silo);
        AssertVersionHalt(haltedOnOld, haltedOnOld.Checkpoint, committed: 2, current: 1);
        Assert.Contains("older than version 2", haltedOnOld.Halt!.Error);
        Assert.Equal(haltedOnOld.Checkpoint, rowsOnOld.Length);
        await AssertRowsAsync(id, final.Checkpoint, before: 1, switchedAt: switchedAt, after: 2);
    }
}
