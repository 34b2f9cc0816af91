using Overseer.Hosting;
using Overseer.Models;
using Overseer.Registry;
using Overseer.Supervision;

namespace Overseer.Tests.Unit;

public sealed class HandOverRuleTests
{
    private static readonly DateTimeOffset HandedOver = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void BringBackWithin_Defaults_Is19Seconds() =>
        Assert.Equal(TimeSpan.FromSeconds(19), HandOverRule.BringBackWithin(new SupervisionOptions()));

    [Theory]
    [InlineData(5_000, 8_000, 1_000, 5_000, 100)]
    [InlineData(2_000, 3_000, 1_000, 3_000, 100)]
    [InlineData(1_000, 2_000, 250, 500, 50)]
    public void BringBackWithin_PartitionActivatedByTheLastPing_FirstPokeFails_StallScanRepokesInTime(
        int pingMs, int stallMs, int scanMs, int pokeMs, int tickMs)
    {
        // The worst case the hold covers: the partition moved with the leaving silo and is activated again only by the
        // next ping; it pokes the worker as it loads, the poke races the shutdown and fails, and the stall scan pokes again.
        var options = new SupervisionOptions
        {
            PartitionPingInterval = TimeSpan.FromMilliseconds(pingMs),
            StallTimeout = TimeSpan.FromMilliseconds(stallMs),
            StallScanInterval = TimeSpan.FromMilliseconds(scanMs),
            PokeTimeout = TimeSpan.FromMilliseconds(pokeMs),
            PartitionTick = TimeSpan.FromMilliseconds(tickMs),
        };
        var loaded = HandedOver + options.PartitionPingInterval;
        var slice = new RegistrySlice();
        var row = new RegistryEntry(new WorkerInfo { Id = "w", Status = WorkerStatus.Running, Source = "sequence", Version = 1 }, WantsRun: true, HandedOver);
        slice.Load([row], loaded);
        var scheduler = new SupervisionScheduler(options);
        scheduler.Bring(row, loaded);
        scheduler.Start(loaded);
        Assert.Equal(["w"], scheduler.TakePokes());
        scheduler.PokeDone();

        var now = loaded;
        IReadOnlyList<string> again = [];
        while (again.Count == 0 && now < loaded + (2 * options.StallTimeout))
        {
            now += options.PartitionTick;
            scheduler.Tick(slice, now);
            again = scheduler.TakePokes();
        }

        Assert.Equal(["w"], again);
        var answeredBy = now + options.PokeTimeout;
        Assert.True(
            answeredBy <= HandedOver + HandOverRule.BringBackWithin(options),
            $"the second poke answers {(answeredBy - HandedOver).TotalSeconds:0.###} s after the hand-over; the hold covers {HandOverRule.BringBackWithin(options).TotalSeconds:0.###} s");
    }
}
