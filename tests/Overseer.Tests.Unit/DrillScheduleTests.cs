using Overseer.Drill;

namespace Overseer.Tests.Unit;

public sealed class DrillScheduleTests
{
    private static DrillPopulation Population(int seed, int workers = 60) =>
        DrillPopulation.Create(seed, workers, feed => $"http://127.0.0.1:1/feeds/{feed}", "http://127.0.0.1:2", "ws://127.0.0.1:2");

    [Fact]
    public void SameSeed_ReplaysTheSameScheduleAndPopulation()
    {
        var first = DrillSchedule.Create(7, 5, 3, Population(7));
        var again = DrillSchedule.Create(7, 5, 3, Population(7));
        var other = DrillSchedule.Create(8, 5, 3, Population(8));

        Assert.Equal(first.Select(s => s.ToString()), again.Select(s => s.ToString()));
        Assert.Equal(Population(7).Workers.Select(w => w.Spec.Describe()), Population(7).Workers.Select(w => w.Spec.Describe()));
        Assert.NotEqual(first.Select(s => s.ToString()), other.Select(s => s.ToString()));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void NeverLeavesFewerThanTwoSilosUpAndUnfrozen_AndOnlyTakesDownSilosThatAreUp(int silos)
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var schedule = DrillSchedule.Create(seed, 10, silos, Population(seed));
            // Silo → (up from, down from); a joined silo counts as up 20 s after it joins, as the schedule assumes.
            var life = Enumerable.Range(0, silos).ToDictionary(i => $"silo-{i}", _ => (Up: TimeSpan.Zero, Down: TimeSpan.MaxValue));
            var frozen = new List<(string Silo, TimeSpan From, TimeSpan To)>();
            foreach (var step in schedule)
            {
                switch (step.Kind)
                {
                    case DrillStepKind.JoinSilo:
                        Assert.False(life.ContainsKey(step.Target), $"seed {seed}: {step} joins a name already used");
                        life[step.Target] = (step.At + TimeSpan.FromSeconds(20), TimeSpan.MaxValue);
                        break;
                    case DrillStepKind.KillSilo or DrillStepKind.TerminateSilo:
                        Assert.True(life.TryGetValue(step.Target, out var span) && span.Down == TimeSpan.MaxValue, $"seed {seed}: {step} targets a silo that is not up");
                        life[step.Target] = (span.Up, step.At);
                        break;
                    case DrillStepKind.FreezeSilo:
                        Assert.True(step.Argument > DrillSchedule.SlotLease.TotalMilliseconds, $"seed {seed}: {step} is not longer than the slot lease");
                        frozen.Add((step.Target, step.At, step.At + TimeSpan.FromMilliseconds(step.Argument)));
                        break;
                }

                var alive = life.Count(s => s.Value.Up <= step.At && s.Value.Down > step.At
                    && !frozen.Any(f => f.Silo == s.Key && f.From <= step.At && f.To > step.At));
                Assert.True(alive >= 2, $"seed {seed}: only {alive} silos up and unfrozen after {step}");
            }
        }
    }

    [Fact]
    public void EveryStopIsResumedBeforeTheEnd_OrTheWorkerStaysStopped_AndActionsOnOneWorkerNeverOverlap()
    {
        for (var seed = 0; seed < 100; seed++)
        {
            var schedule = DrillSchedule.Create(seed, 5, 3, Population(seed));
            foreach (var worker in schedule.Where(s => s.IsOperatorAction).GroupBy(s => s.Target))
            {
                var steps = worker.OrderBy(s => s.At).ToList();
                for (var i = 0; i < steps.Count; i++)
                {
                    if (steps[i].Kind == DrillStepKind.Stop && i + 1 < steps.Count)
                    {
                        Assert.True(steps[i + 1].Kind == DrillStepKind.Resume, $"seed {seed}: {steps[i]} is followed by {steps[i + 1]}, not its resume");
                    }
                }
            }
        }
    }

    [Fact]
    public void Population_CapQueuesSomeCompletingWorkers_AndCoversEveryRoleAndPolicy()
    {
        var population = Population(1);

        Assert.Equal(60, population.Workers.Length);
        Assert.Equal(Enum.GetValues<DrillRole>().Order(), population.Workers.Select(w => w.Role).Distinct().Order());
        Assert.Equal(Enum.GetValues<Overseer.Models.RestartPolicy>().Order(), population.Workers.Select(w => w.Spec.Restart).Distinct().Order());
        var completing = population.Workers.Count(w => w.Role == DrillRole.Completing);
        Assert.InRange(population.PoolCap, population.Workers.Length - completing + 1, population.Workers.Length - 1);
        Assert.Equal(population.PoolCap, DrillPopulation.PoolCapFor(60));
    }
}
