using Overseer.Models;
using Overseer.Registry;

namespace Overseer.Tests.Unit;

/// <summary>The slice keeps its totals, its running rows and its id order as rows change; after any sequence of
/// changes they must equal what a from-scratch recount of the rows gives.</summary>
public sealed class RegistrySliceBookkeepingTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly WorkerStatus[] Statuses = Enum.GetValues<WorkerStatus>();
    private static readonly string?[] Silos = [null, "10.0.0.1:11111", "10.0.0.2:11111"];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Totals_AfterRandomRegisterRecordApplyForget_EqualARecount(int seed)
    {
        var random = new Random(seed);
        var slice = new RegistrySlice();
        var versions = new Dictionary<string, long>();
        slice.Load([Row("w0", random, 1), Row("w1", random, 1)], Now);
        for (var step = 0; step < 5_000; step++)
        {
            var id = $"w{random.Next(60)}";
            var version = versions.GetValueOrDefault(id) + random.Next(-1, 3);
            versions[id] = Math.Max(versions.GetValueOrDefault(id), version);
            var info = Info(id, random, version);
            switch (random.Next(7))
            {
                case 0:
                    slice.Register(id, "sequence", Now);
                    break;
                case 1:
                    // As the manager does it: a start or resume registers the id before the worker records its row.
                    slice.Register(id, "sequence", Now);
                    slice.Record(new WorkerReport(info, random.Next(2) == 0), Now);
                    break;
                case 2:
                    slice.ApplyAnswer(info, Now);
                    break;
                case 3:
                    slice.Forget(id, Now);
                    break;
                case 4:
                    slice.RemoveIfNeverStarted(id, Now.AddMinutes(random.Next(2)), TimeSpan.FromSeconds(30));
                    break;
                default:
                    // Also restatements: the row as it is, with only the version and the write time moved on.
                    var report = slice.Find(id) is { } row && random.Next(2) == 0
                        ? new WorkerReport(row.Info with { Version = row.Info.Version + 1, UpdatedAt = Now.AddSeconds(step) }, row.WantsRun)
                        : new WorkerReport(info, random.Next(2) == 0);
                    slice.Apply(report, Now);
                    break;
            }

            if (step % 50 == 0)
            {
                AssertMatchesARecount(slice, step);
            }
        }

        AssertMatchesARecount(slice, 5_000);
    }

    [Fact]
    public void Aggregate_LastRowOfAStatusOrSiloGoes_LeavesNoZeroCount()
    {
        var slice = new RegistrySlice();
        slice.Apply(new WorkerReport(new WorkerInfo { Id = "a", Status = WorkerStatus.Running, Source = "s", Silo = "10.0.0.1:1", Version = 1 }, true), Now);
        slice.Apply(new WorkerReport(new WorkerInfo { Id = "a", Status = WorkerStatus.Completed, Source = "s", Version = 2 }, true), Now);

        var totals = slice.Aggregate();

        Assert.False(totals.ByStatus.ContainsKey(WorkerStatus.Running));
        Assert.Empty(totals.RunningBySilo);
        Assert.Equal(1, totals.ByStatus[WorkerStatus.Completed]);
    }

    [Fact]
    public void Load_RowsThatShouldNotRun_AreNotSeen_UntilTheyReport()
    {
        var slice = new RegistrySlice();
        var done = new WorkerInfo { Id = "done", Status = WorkerStatus.Completed, Source = "s", Version = 3 };
        slice.Load([new RegistryEntry(done, WantsRun: true, RegisteredAt: Now), new RegistryEntry(done with { Id = "live", Status = WorkerStatus.Running }, true, Now)], Now);

        var before = slice.LastSeen("done");
        slice.Seen("done", Now.AddSeconds(1));
        slice.Apply(new WorkerReport(done with { Status = WorkerStatus.Running, Version = 4 }, true), Now.AddSeconds(1));

        Assert.Null(before);
        Assert.Equal(Now, slice.LastSeen("live"));
        Assert.Equal(Now.AddSeconds(1), slice.LastSeen("done"));
    }

    [Fact]
    public void Load_SameIdTwice_KeepsTheLaterRowInEveryOrder()
    {
        var slice = new RegistrySlice();
        var first = new WorkerInfo { Id = "w", Status = WorkerStatus.Failed, Source = "s", Version = 1 };

        slice.Load([new RegistryEntry(first, true, Now), new RegistryEntry(first with { Status = WorkerStatus.Completed, Version = 2 }, true, Now)], Now);

        AssertMatchesARecount(slice, 0);
        Assert.Equal(["w"], slice.List(new WorkerQuery(WorkerStatus.Completed)).Items.Select(i => i.Id));
        Assert.Empty(slice.List(new WorkerQuery(WorkerStatus.Failed)).Items);
    }

    private static void AssertMatchesARecount(RegistrySlice slice, int step)
    {
        var kept = slice.Aggregate();
        var recount = RegistryAggregate.Of(slice.Rows);
        Assert.True(kept.ByStatus.OrderBy(kv => kv.Key).SequenceEqual(recount.ByStatus.OrderBy(kv => kv.Key)),
            $"step {step}: by status kept {Show(kept.ByStatus)}, recounted {Show(recount.ByStatus)}");
        Assert.True(kept.RunningBySilo.OrderBy(kv => kv.Key, StringComparer.Ordinal).SequenceEqual(recount.RunningBySilo.OrderBy(kv => kv.Key, StringComparer.Ordinal)),
            $"step {step}: running by silo kept {Show(kept.RunningBySilo)}, recounted {Show(recount.RunningBySilo)}");
        Assert.Equal((recount.Checkpoints, recount.Failovers, recount.Lag, recount.LagKnown), (kept.Checkpoints, kept.Failovers, kept.Lag, kept.LagKnown));
        Assert.Equal(
            slice.Rows.Where(r => r.Info.Status == WorkerStatus.Running).Select(r => r.Info.Id).Order(StringComparer.Ordinal),
            slice.Running.Select(i => i.Id).Order(StringComparer.Ordinal));
        Assert.Equal(
            slice.Rows.Select(r => r.Info.Id).Order(StringComparer.Ordinal),
            slice.List(new WorkerQuery(Limit: WorkerQuery.MaxLimit)).Items.Select(i => i.Id));
        foreach (var status in Statuses)
        {
            Assert.Equal(
                slice.Rows.Where(r => r.Info.Status == status).Select(r => r.Info.Id).Order(StringComparer.Ordinal),
                slice.List(new WorkerQuery(status, Limit: WorkerQuery.MaxLimit)).Items.Select(i => i.Id));
        }
    }

    private static string Show<TKey>(IEnumerable<KeyValuePair<TKey, int>> counts) => string.Join(", ", counts.Select(kv => $"{kv.Key}={kv.Value}"));

    private static RegistryEntry Row(string id, Random random, long version) => new(Info(id, random, version), WantsRun: true, RegisteredAt: Now);

    private static WorkerInfo Info(string id, Random random, long version)
    {
        var checkpoint = random.Next(1_000);
        return new WorkerInfo
        {
            Id = id,
            Status = Statuses[random.Next(Statuses.Length)],
            Source = "sequence",
            Checkpoint = checkpoint,
            Failovers = random.Next(3),
            Silo = Silos[random.Next(Silos.Length)],
            Head = random.Next(3) == 0 ? null : checkpoint + random.Next(-5, 50),
            Version = version,
        };
    }
}
