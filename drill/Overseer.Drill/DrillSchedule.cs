using System.Collections.Immutable;
using System.Globalization;

namespace Overseer.Drill;

/// <summary>The drill's faults and operator actions, drawn from the seed alone (the same seed, length, silos and
/// population replay the same schedule). The draw keeps its promises to the cluster: at least two silos up and
/// unfrozen at any time (a silo counts as up 20 s after it joins), one Redis fault at a time, one action at a time on a
/// worker, one PostgreSQL crash at a time, and every stop followed by a resume unless it falls in the last seconds.</summary>
internal static class DrillSchedule
{
    /// <summary>The evm workers' <c>confirmations</c>: a reorg up to this deep is invisible to them, a deeper one is not.</summary>
    public const int Confirmations = 2;

    /// <summary>The slot lease the drill's silos use; a freeze lasts longer.</summary>
    public static readonly TimeSpan SlotLease = TimeSpan.FromSeconds(4);

    private static readonly TimeSpan JoinToUp = TimeSpan.FromSeconds(20);

    private static readonly string[] FeedModes = ["ws-drop", "ws-stall", "http-500"];

    public static ImmutableArray<DrillStep> Create(int seed, int minutes, int silos, DrillPopulation population)
    {
        var random = new Random(seed);
        var length = TimeSpan.FromMinutes(minutes);
        var steps = new List<DrillStep>();
        AddFaults(random, length, silos, steps);
        AddOperatorActions(random, length, population, steps);
        return [.. steps.OrderBy(s => s.At).ThenBy(s => s.Kind).ThenBy(s => s.Target, StringComparer.Ordinal)];
    }

    private static void AddFaults(Random random, TimeSpan length, int silos, List<DrillStep> steps)
    {
        // Silo name → (up from, down from); frozen intervals apart.
        var life = Enumerable.Range(0, silos).ToDictionary(i => Name(i), _ => (Up: TimeSpan.Zero, Down: TimeSpan.MaxValue));
        var frozen = new List<(string Silo, TimeSpan From, TimeSpan To)>();
        var next = silos;
        var redisFree = TimeSpan.Zero;
        var postgresFree = TimeSpan.Zero;

        int Alive(TimeSpan at, TimeSpan until) => life.Count(s =>
            s.Value.Up <= at && s.Value.Down > until && !frozen.Any(f => f.Silo == s.Key && f.From < until && f.To > at));

        List<string> Victims(TimeSpan at, TimeSpan until) =>
            [.. life.Where(s => s.Value.Up <= at && s.Value.Down > until && !frozen.Any(f => f.Silo == s.Key && f.From < until && f.To > at))
                .Select(s => s.Key).Order(StringComparer.Ordinal)];

        for (var at = TimeSpan.FromSeconds(random.Next(12, 20)); at < length - TimeSpan.FromSeconds(10); at += TimeSpan.FromSeconds(random.Next(6, 14)))
        {
            var roll = random.Next(100);
            if (roll < 40)
            {
                var freeze = SlotLease + TimeSpan.FromMilliseconds(random.Next(1000, 4000));
                var kind = roll < 15 ? DrillStepKind.KillSilo : roll < 28 ? DrillStepKind.TerminateSilo : DrillStepKind.FreezeSilo;
                var until = kind == DrillStepKind.FreezeSilo ? at + freeze : length + JoinToUp;
                if (Alive(at, until) < 3)
                {
                    // Taking one away would leave fewer than two: a new silo joins instead.
                    var joined = Name(next++);
                    life[joined] = (at + JoinToUp, TimeSpan.MaxValue);
                    steps.Add(new DrillStep(at, DrillStepKind.JoinSilo, joined));
                    continue;
                }

                var victims = Victims(at, until);
                var victim = victims[random.Next(victims.Count)];
                if (kind == DrillStepKind.FreezeSilo)
                {
                    frozen.Add((victim, at, at + freeze));
                    steps.Add(new DrillStep(at, kind, victim, (int)freeze.TotalMilliseconds));
                    continue;
                }

                life[victim] = (life[victim].Up, at);
                steps.Add(new DrillStep(at, kind, victim));
                // A replacement joins a few seconds later, as an operator's orchestrator would start one.
                var replacement = Name(next++);
                var joinAt = at + TimeSpan.FromSeconds(random.Next(3, 10));
                life[replacement] = (joinAt + JoinToUp, TimeSpan.MaxValue);
                steps.Add(new DrillStep(joinAt, DrillStepKind.JoinSilo, replacement));
            }
            else if (roll < 66 && roll >= 56)
            {
                if (at < postgresFree)
                {
                    continue;
                }

                steps.Add(new DrillStep(at, DrillStepKind.CrashPostgres, "postgres", random.Next(500, 5000)));
                postgresFree = at + TimeSpan.FromSeconds(15);
            }
            else if (roll < 56)
            {
                if (at < redisFree)
                {
                    continue;
                }

                var redisRoll = random.Next(3);
                var step = redisRoll switch
                {
                    0 => new DrillStep(at, DrillStepKind.RestartRedis, "redis", random.Next(1000, 6000)),
                    1 => new DrillStep(at, DrillStepKind.PauseRedisWrites, "redis", random.Next(1000, 5000)),
                    _ => new DrillStep(at, DrillStepKind.SleepRedis, "redis", random.Next(500, 3000)),
                };
                steps.Add(step);
                redisFree = at + TimeSpan.FromSeconds(10);
            }
            else if (roll < 84)
            {
                steps.Add(new DrillStep(at, DrillStepKind.FeedFault, FeedModes[random.Next(FeedModes.Length)], random.Next(2, 10)));
            }
            else
            {
                // Shallow (within confirmations: invisible to the workers) or deeper (a reorg the evm source must detect).
                var depth = random.Next(2) == 0 ? random.Next(1, Confirmations + 1) : random.Next(Confirmations + 1, Confirmations + 5);
                steps.Add(new DrillStep(at, DrillStepKind.Reorg, "anvil", depth));
            }
        }
    }

    private static void AddOperatorActions(Random random, TimeSpan length, DrillPopulation population, List<DrillStep> steps)
    {
        var busyUntil = population.Workers.ToDictionary(w => w.Id, _ => TimeSpan.Zero);
        var stoppable = population.Workers.Where(w => w.Role is DrillRole.Endless or DrillRole.Crashing or DrillRole.Feed or DrillRole.Rows).ToArray();
        var rewindable = stoppable;
        var deletable = population.Workers.Where(w => w.Role is DrillRole.Endless or DrillRole.Completing or DrillRole.Rows).ToArray();
        var end = length - TimeSpan.FromSeconds(5);

        for (var at = TimeSpan.FromSeconds(random.Next(8, 14)); at < end; at += TimeSpan.FromSeconds(random.Next(4, 10)))
        {
            var roll = random.Next(100);
            var pool = roll < 50 ? stoppable : roll < 75 ? rewindable : deletable;
            var worker = pool[random.Next(pool.Length)];
            if (busyUntil[worker.Id] > at)
            {
                continue;
            }

            if (roll < 50)
            {
                steps.Add(new DrillStep(at, DrillStepKind.Stop, worker.Id));
                var resumeAt = at + TimeSpan.FromSeconds(random.Next(6, 30));
                if (resumeAt < end)
                {
                    steps.Add(new DrillStep(resumeAt, DrillStepKind.Resume, worker.Id));
                }

                busyUntil[worker.Id] = resumeAt + TimeSpan.FromSeconds(10);
                continue;
            }

            steps.Add(new DrillStep(at, roll < 75 ? DrillStepKind.Rewind : DrillStepKind.DeleteAndRestart, worker.Id));
            busyUntil[worker.Id] = at + TimeSpan.FromSeconds(30);
        }
    }

    private static string Name(int i) => string.Create(CultureInfo.InvariantCulture, $"silo-{i}");
}
