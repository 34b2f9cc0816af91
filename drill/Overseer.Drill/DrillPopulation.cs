using System.Collections.Immutable;
using System.Globalization;
using Overseer.Models;

namespace Overseer.Drill;

/// <summary>The mixed population a drill runs, drawn from its seed: every restart policy, workers that crash on
/// schedule, endless and completing ones, <c>feed</c> and <c>evm</c> sources, a PostgreSQL handler (half of its workers with
/// poison events, dead-lettered); and the pool cap, set so that the
/// completing workers queue for slots that others free.</summary>
internal sealed class DrillPopulation
{
    private DrillPopulation(ImmutableArray<DrillWorker> workers, int poolCap)
    {
        Workers = workers;
        PoolCap = poolCap;
    }

    public ImmutableArray<DrillWorker> Workers { get; }

    /// <summary><c>Overseer:Pool:MaxRunningWorkers</c> for every silo.</summary>
    public int PoolCap { get; }

    public DrillWorker this[string id] => Workers.First(w => w.Id == id);

    /// <summary>The population for <paramref name="count"/> workers; <paramref name="feedUrl"/> and <paramref name="rpcUrl"/>
    /// are the local reference feed and anvil.</summary>
    public static DrillPopulation Create(int seed, int count, Func<string, string> feedUrl, string rpcUrl, string wsUrl)
    {
        var random = new Random(seed ^ 0x5eed);
        var workers = ImmutableArray.CreateBuilder<DrillWorker>(count);
        var (endless, crashing, completing, temporary, feed, evm, rows) = Sizes(count);

        for (var i = 0; i < endless; i++)
        {
            var restart = i % 2 == 0 ? RestartPolicy.Permanent : RestartPolicy.Transient;
            workers.Add(new DrillWorker(Id("endless", i), DrillRole.Endless, Sequence(restart, ("batch", "5"), ("delayMs", Delay(random)))));
        }

        for (var i = 0; i < crashing; i++)
        {
            var restart = i % 2 == 0 ? RestartPolicy.Permanent : RestartPolicy.Transient;
            long failAfter = random.Next(40, 160);
            // An intensity the schedule never exhausts: the promise checked is that each crash is one restart.
            var spec = Sequence(restart, ("batch", "5"), ("delayMs", Delay(random)), ("failAfter", Text(failAfter))) with
            {
                MaxRestarts = 100_000,
                RestartWindow = TimeSpan.FromSeconds(60),
            };
            workers.Add(new DrillWorker(Id("crash", i), DrillRole.Crashing, spec, FailAfter: failAfter));
        }

        for (var i = 0; i < completing; i++)
        {
            long limit = random.Next(100, 600);
            workers.Add(new DrillWorker(
                Id("done", i), DrillRole.Completing,
                Sequence(RestartPolicy.Transient, ("limit", Text(limit)), ("batch", "10"), ("delayMs", Delay(random))), Limit: limit));
        }

        for (var i = 0; i < temporary; i++)
        {
            long failAfter = random.Next(100, 400);
            workers.Add(new DrillWorker(
                Id("tmp", i), DrillRole.Temporary,
                Sequence(RestartPolicy.Temporary, ("batch", "5"), ("delayMs", Delay(random)), ("failAfter", Text(failAfter))), FailAfter: failAfter));
        }

        for (var i = 0; i < feed; i++)
        {
            var id = Id("feed", i);
            workers.Add(new DrillWorker(id, DrillRole.Feed, WorkerSpec.For("feed", ("url", feedUrl(id)), ("stallMs", "1500")) with
            {
                Restart = RestartPolicy.Permanent,
            }));
        }

        for (var i = 0; i < rows; i++)
        {
            // Every other one has a handler that fails on every N-th seq: those events become dead letters, committed
            // with the checkpoint that passes them, and spend no restart.
            long? poisonEvery = i % 2 == 1 ? random.Next(20, 60) : null;
            workers.Add(new DrillWorker(Id("rows", i), DrillRole.Rows, Sequence(RestartPolicy.Permanent, ("batch", "10"), ("delayMs", Delay(random))) with
            {
                Handler = RowsHandler,
                HandlerOptions = poisonEvery is { } every
                    ? ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("poisonEvery", Text(every))])
                    : null,
                Poison = poisonEvery is null ? null : new PoisonPolicy(PoisonAction.DeadLetter, Retries: 1),
            }, PoisonEvery: poisonEvery));
        }

        for (var i = 0; i < evm; i++)
        {
            workers.Add(new DrillWorker(Id("evm", i), DrillRole.Evm, WorkerSpec.For(
                "evm", ("rpc", rpcUrl), ("ws", wsUrl), ("from", "1"), ("confirmations", Text(DrillSchedule.Confirmations)), ("intervalMs", "500"))));
        }

        return new DrillPopulation(workers.ToImmutable(), PoolCapFor(count));
    }

    /// <summary>The pool cap for <paramref name="count"/> workers: every worker but the completing ones runs for good,
    /// and a third of the completing ones fit beside them; the rest queue (pending) until one completes, is stopped or
    /// fails.</summary>
    public static int PoolCapFor(int count)
    {
        var (endless, crashing, completing, temporary, feed, evm, rows) = Sizes(count);
        return endless + crashing + feed + evm + temporary + rows + Math.Max(1, completing / 3);
    }

    private static (int Endless, int Crashing, int Completing, int Temporary, int Feed, int Evm, int Rows) Sizes(int count)
    {
        var evm = Math.Max(1, count / 20);
        var rows = Math.Max(1, count / 10);
        var feed = Math.Max(1, count / 6);
        var temporary = Math.Max(1, count / 20);
        var completing = Math.Max(2, count / 6);
        var crashing = Math.Max(2, count / 5);
        return (count - evm - feed - temporary - completing - crashing - rows, crashing, completing, temporary, feed, evm, rows);
    }

    /// <summary>The PostgreSQL handler the drill's silo host registers (<c>drill/Overseer.Drill.Host</c>).</summary>
    public const string RowsHandler = "drill-rows";

    private static string Id(string role, int i) => string.Create(CultureInfo.InvariantCulture, $"{role}-{i:00}");

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Delay(Random random) => Text(random.Next(100, 300));

    private static WorkerSpec Sequence(RestartPolicy restart, params (string Key, string Value)[] options) =>
        WorkerSpec.For("sequence", options) with { Restart = restart };
}
