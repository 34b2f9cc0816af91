using System.Diagnostics;
using Overseer.Hosting;
using Overseer.Supervision;

namespace Overseer.Tests.Unit;

public sealed class PokePumpTests
{
    private static readonly SupervisionOptions Options = new() { RestoreConcurrency = 4 };

    [Fact]
    public void Pump_PokesThatFailSynchronously_AllRunOnceWithoutTheStackGrowing()
    {
        // As every grain call does while the silo shuts down: the poke's task is already faulted when it returns.
        const int n = 20_000;
        var scheduler = new SupervisionScheduler(Options);
        for (var i = 0; i < n; i++)
        {
            scheduler.Poke($"w-{i}");
        }

        var poked = new List<string>();
        var depths = new List<int>();
        var pump = new PokePump(scheduler, id =>
        {
            poked.Add(id);
            if (poked.Count % 500 == 1)
            {
                // Sampled: a stack trace costs its depth, and a recursing pump makes it deep.
                depths.Add(new StackTrace().FrameCount);
            }

            return Task.FromException(new InvalidOperationException("the silo is shutting down"));
        });

        pump.Pump();

        Assert.Equal(n, poked.Count);
        Assert.Equal(n, poked.Distinct().Count());
        Assert.True(depths.Max() - depths.Min() <= 8, $"the stack grew from {depths.Min()} to {depths.Max()} frames over {n} synchronous pokes: the pump recursed");
        Assert.Equal(0, scheduler.InFlight);
        Assert.Equal(0, scheduler.Queued);
    }

    [Fact]
    public Task Pump_AsynchronousPokes_AtMostRestoreConcurrencyInFlight_EachFinishedOneTakesTheNext() =>
        // On the thread pool, with no synchronization context: a completed poke's continuation then runs inline, inside
        // SetResult, as it runs in the grain's turn (the test's assertions never race a continuation).
        Task.Run(() =>
        {
            var scheduler = new SupervisionScheduler(Options);
            for (var i = 0; i < 10; i++)
            {
                scheduler.Poke($"w-{i}");
            }

            var pending = new Dictionary<string, TaskCompletionSource>();
            var pump = new PokePump(scheduler, id =>
            {
                var done = new TaskCompletionSource(TaskCreationOptions.None);
                pending.Add(id, done);
                return done.Task;
            });

            pump.Pump();
            Assert.Equal(["w-0", "w-1", "w-2", "w-3"], pending.Keys);
            Assert.Equal(Options.RestoreConcurrency, scheduler.InFlight);

            // One succeeds, one fails: each frees its place for the next queued poke.
            pending["w-1"].SetResult();
            pending["w-2"].SetException(new TimeoutException("poke timed out"));
            Assert.Equal(["w-0", "w-1", "w-2", "w-3", "w-4", "w-5"], pending.Keys);
            Assert.Equal(Options.RestoreConcurrency, scheduler.InFlight);

            while (pending.Values.FirstOrDefault(p => !p.Task.IsCompleted) is { } next)
            {
                next.SetResult();
            }

            Assert.Equal(10, pending.Count);
            Assert.Equal(0, scheduler.InFlight);
            Assert.Equal(0, scheduler.Queued);
        });
}
