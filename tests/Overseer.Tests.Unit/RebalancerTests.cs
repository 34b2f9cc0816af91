using System.Net;
using Orleans.Runtime;
using Overseer.Hosting;
using Overseer.Models;
using Overseer.Placement;
using Overseer.Registry;
using Overseer.Supervision;

namespace Overseer.Tests.Unit;

public sealed class RebalancerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(5);
    private static readonly SiloAddress A = Silo(1), B = Silo(2), C = Silo(3);

    private static SiloAddress Silo(int n) => SiloAddress.New(new IPEndPoint(IPAddress.Parse($"10.0.0.{n}"), 11111), 1);

    private static Rebalancer Rebalancer(int maxMoves = 16) => new(new SupervisionOptions { RebalanceInterval = Every, RebalanceMaxMoves = maxMoves });

    private static List<RegistryEntry> Rows(params (SiloAddress Silo, int Count)[] silos) =>
        [.. silos.SelectMany(s => Enumerable.Range(0, s.Count).Select(i => Row($"{s.Silo.Endpoint}-{i}", s.Silo)))];

    private static RegistryEntry Row(string id, SiloAddress silo, WorkerStatus status = WorkerStatus.Running, bool wantsRun = true) =>
        new(new WorkerInfo { Id = id, Status = status, Source = "sequence", Silo = silo.Endpoint.ToString() }, wantsRun, Now);

    private static Dictionary<SiloAddress, int> After(IEnumerable<RegistryEntry> rows, IEnumerable<WorkerMove> moves)
    {
        var target = moves.ToDictionary(m => m.Id, m => m.Target);
        return rows.GroupBy(r => target.GetValueOrDefault(r.Info.Id) ?? new[] { A, B, C }.Single(s => s.Endpoint.ToString() == r.Info.Silo))
            .ToDictionary(g => g.Key, g => g.Count());
    }

    [Theory]
    [InlineData(10, 10, 16, 0)]
    [InlineData(10, 11, 16, 0)]
    [InlineData(20, 0, 16, 10)]
    [InlineData(40, 0, 16, 16)]
    [InlineData(7, 1, 16, 3)]
    [InlineData(20, 0, 1, 1)]
    public void PlanMoves_TwoSilos_MovesOnlyTheSurplus_AtMostRebalanceMaxMoves(int onA, int onB, int maxMoves, int expected)
    {
        var rows = Rows((A, onA), (B, onB));

        var moves = Rebalancer(maxMoves).PlanMoves(rows, [A, B], Now);

        Assert.Equal(expected, moves.Count);
        Assert.All(moves, m => Assert.Equal(onA >= onB ? B : A, m.Target));
        Assert.Equal(moves.Count, moves.Select(m => m.Id).Distinct().Count());
    }

    [Fact]
    public void PlanMoves_EmptySiloJoins_MovesAThirdAndEndsEven()
    {
        var rows = Rows((A, 30), (B, 30));

        var moves = Rebalancer(maxMoves: 100).PlanMoves(rows, [A, B, C], Now);

        Assert.Equal(20, moves.Count);
        Assert.All(moves, m => Assert.Equal(C, m.Target));
        Assert.All(After(rows, moves).Values, count => Assert.Equal(20, count));
    }

    [Fact]
    public void PlanMoves_MovesInFlight_CountAtTheirTarget()
    {
        var rebalancer = Rebalancer();
        var rows = Rows((A, 20));
        var first = rebalancer.PlanMoves(rows, [A, B], Now);

        var second = rebalancer.PlanMoves(rows, [A, B], Now + Every);

        Assert.Equal(10, first.Count);
        Assert.Empty(second);
        Assert.Equal(10, rebalancer.InFlight);
    }

    [Fact]
    public void PlanMoves_MoveThatLanded_IsNoLongerInFlight()
    {
        var rebalancer = Rebalancer();
        var rows = Rows((A, 4));
        var moves = rebalancer.PlanMoves(rows, [A, B], Now);
        var landed = rows.Select(r => moves.Any(m => m.Id == r.Info.Id) ? Row(r.Info.Id, B) : r).ToList();

        var next = rebalancer.PlanMoves(landed, [A, B], Now + Every);

        Assert.Equal(2, moves.Count);
        Assert.Empty(next);
        Assert.Equal(0, rebalancer.InFlight);
    }

    [Fact]
    public void PlanMoves_MoveNotLandedAfterThreeRounds_IsForgottenAndPlannedAgain()
    {
        var rebalancer = Rebalancer();
        var rows = Rows((A, 4));
        var first = rebalancer.PlanMoves(rows, [A, B], Now);

        var stillThere = rebalancer.PlanMoves(rows, [A, B], Now + (3 * Every));
        var forgotten = rebalancer.PlanMoves(rows, [A, B], Now + (3 * Every) + TimeSpan.FromMilliseconds(1));

        Assert.Equal(2, first.Count);
        Assert.Empty(stillThere);
        Assert.Equal(2, forgotten.Count);
    }

    [Fact]
    public void PlanMoves_MoveFailed_CanBePlannedAgain()
    {
        var rebalancer = Rebalancer(maxMoves: 1);
        var rows = Rows((A, 2));
        var first = Assert.Single(rebalancer.PlanMoves(rows, [A, B], Now));

        rebalancer.MoveFailed(first.Id);
        var again = rebalancer.PlanMoves(rows, [A, B], Now + Every);

        Assert.Equal(first.Id, Assert.Single(again).Id);
    }

    [Fact]
    public void PlanMoves_RowsNotRunningOrNotWantedOrOnAGoneSilo_AreLeftAlone()
    {
        var rows = new List<RegistryEntry>
        {
            Row("pending", A, WorkerStatus.Pending),
            Row("backoff", A, WorkerStatus.Backoff),
            Row("unwanted", A, wantsRun: false),
            Row("gone-1", C),
            Row("gone-2", C),
            Row("gone-3", C),
        };

        Assert.Empty(Rebalancer().PlanMoves(rows, [A, B], Now));
    }

    [Fact]
    public void HomeToMoveTo_NewHome_IsConfirmedOverTwoRounds()
    {
        var rebalancer = Rebalancer();
        var partition = Enumerable.Range(0, 8).First(p => B.Equals(PartitionLayout.HomeOf(p, [A, B])));

        var firstRound = rebalancer.HomeToMoveTo(partition, [A, B], local: A);
        var secondRound = rebalancer.HomeToMoveTo(partition, [A, B], local: A);

        Assert.Null(firstRound);
        Assert.Equal(B, secondRound);
    }

    [Fact]
    public void HomeToMoveTo_HomeSeenOnceThenHere_StartsOver()
    {
        var rebalancer = Rebalancer();
        var partition = Enumerable.Range(0, 8).First(p => B.Equals(PartitionLayout.HomeOf(p, [A, B])));

        rebalancer.HomeToMoveTo(partition, [A, B], local: A);
        var backHome = rebalancer.HomeToMoveTo(partition, [A], local: A);
        var seenOnceMore = rebalancer.HomeToMoveTo(partition, [A, B], local: A);

        Assert.Null(backHome);
        Assert.Null(seenOnceMore);
    }

    [Fact]
    public void HomeToMoveTo_LocalSiloLeaving_MovesAtOnce()
    {
        var rebalancer = Rebalancer();

        var home = rebalancer.HomeToMoveTo(0, [B], local: A);

        Assert.Equal(B, home);
    }

    [Fact]
    public void StartRound_OncePerRebalanceInterval_NeverWhenOff()
    {
        var rebalancer = Rebalancer();
        var off = new Rebalancer(new SupervisionOptions { RebalanceInterval = TimeSpan.Zero });

        var first = rebalancer.StartRound(Now);
        var tooSoon = rebalancer.StartRound(Now + Every - TimeSpan.FromMilliseconds(1));
        var due = rebalancer.StartRound(Now + Every);

        Assert.True(first);
        Assert.False(tooSoon);
        Assert.True(due);
        Assert.False(off.StartRound(Now));
    }
}
