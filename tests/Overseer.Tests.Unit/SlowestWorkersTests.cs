using Overseer.Models;
using Overseer.Registry;

namespace Overseer.Tests.Unit;

public sealed class SlowestWorkersTests
{
    [Fact]
    public void Top_RanksKnownLagFirstLargestFirst_ThenLowestCheckpoint_AndSkipsWorkersNotRunning()
    {
        WorkerInfo[] workers =
        [
            Worker("caught-up", checkpoint: 500, head: 500),
            Worker("behind-90", checkpoint: 10, head: 100),
            Worker("no-head-5", checkpoint: 5),
            Worker("behind-300", checkpoint: 700, head: 1000),
            Worker("no-head-2", checkpoint: 2),
            Worker("stopped", checkpoint: 0, head: 10_000, status: WorkerStatus.Stopped),
            Worker("backoff", checkpoint: 0, status: WorkerStatus.Backoff),
        ];

        var top = SlowestWorkers.Top(workers, 4);

        Assert.Equal(["behind-300", "behind-90", "caught-up", "no-head-2"], top.Select(w => w.Id));
    }

    [Fact]
    public void Top_OfPartitionTops_EqualsTopOfAll()
    {
        var random = new Random(7);
        var all = Enumerable.Range(0, 400)
            .Select(i => Worker($"w-{i:D3}", random.Next(0, 1000), random.Next(3) == 0 ? null : random.Next(0, 2000)))
            .ToList();

        var merged = SlowestWorkers.Top(all.GroupBy(w => w.Id.GetHashCode(StringComparison.Ordinal) & 7).SelectMany(p => SlowestWorkers.Top(p, 10)), 10);

        Assert.Equal(SlowestWorkers.Top(all, 10).Select(w => w.Id), merged.Select(w => w.Id));
    }

    [Fact]
    public void Lag_IsNeverNegative_AndUnknownWithoutAHead()
    {
        Assert.Equal(0, SlowestWorkers.Lag(Worker("ahead", checkpoint: 50, head: 10)));
        Assert.Equal(40, SlowestWorkers.Lag(Worker("behind", checkpoint: 10, head: 50)));
        Assert.Null(SlowestWorkers.Lag(Worker("unknown", checkpoint: 10)));
    }

    [Fact]
    public void Top_Zero_IsEmpty() => Assert.Empty(SlowestWorkers.Top([Worker("a", 1)], 0));

    private static WorkerInfo Worker(string id, long checkpoint, long? head = null, WorkerStatus status = WorkerStatus.Running) =>
        new() { Id = id, Status = status, Source = "sequence", Checkpoint = checkpoint, Head = head };
}
