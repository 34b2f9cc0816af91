using Microsoft.Extensions.DependencyInjection;
using Overseer.Models;
using Overseer.Registry;
using Overseer.Testing;
using Overseer.Workers;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>Heartbeats carry only what changed since the partition last heard a silo's whole set: a partition still hears
/// every running worker through them — a lost change is found from the sequence and healed by the whole set — and still
/// notices a worker it stops hearing from (its stall scan pokes it, as before).</summary>
/// <remarks>The pokes of the worker under test are refused and counted (<see cref="PokeBlocker"/>): the partition pokes an
/// idle, running worker only if it stopped hearing it (stall timeout 2 s, heartbeats every 0.5 s).</remarks>
public sealed class HeartbeatDeltaTests(HeartbeatCluster fixture) : IClassFixture<HeartbeatCluster>
{
    /// <summary>One fetch that lasts ten minutes: the worker runs, and says nothing but its heartbeats.</summary>
    private static readonly WorkerSpec Idle = WorkerSpec.For("sequence", ("batch", "1"), ("delayMs", "600000"));

    /// <summary>Sweeps on every silo that span more than a stall timeout (2 s) and a stall scan (1 s) at 0.5 s apart.</summary>
    private const int SweepsPastAStall = 8;

    private OverseerCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task HeartbeatNamingAWorker_Lost_PartitionAsksForTheWholeSet_AndKeepsHearingTheWorker()
    {
        // Arrange: the heartbeat that tells the worker's partition it joined will be lost, and its pokes are counted.
        var id = $"hb-lost-{Guid.NewGuid():N}";
        var partition = PartitionOf(id);
        fixture.Pokes.Block(id);
        fixture.Tamper.DropNextNaming(id);
        var askedBefore = fixture.Tamper.WholeSetsAsked(partition);

        // Act
        await Cluster.Manager.StartAsync(id, Idle);
        await Eventually.UntilAsync(
            () => Task.FromResult((Dropped: fixture.Tamper.DroppedNaming(id), Asked: fixture.Tamper.WholeSetsAsked(partition))),
            seen => seen.Dropped == 1 && seen.Asked > askedBefore,
            Deadline,
            seen => $"the heartbeat naming '{id}' to be lost ({seen.Dropped} lost) and its partition to ask for the whole set after it ({seen.Asked - askedBefore} asked)");
        // Counted from once it runs, as in the test below: the whole set can overtake the worker's own one-way Running
        // report and poke its still pending row once (harmless: the answer heals the row). A partition that stopped
        // hearing the worker would poke it on every stall timeout (its pokes are refused), so after this point too.
        var joinPokes = await PokesOnceRunningAsync(id, "its partition has the whole set");
        await SweepsAsync(SweepsPastAStall, $"'{id}' idles after its heartbeat was lost");

        // Assert: heard all along (through the whole set), so never poked for silence; and still running where it started.
        Assert.True(joinPokes <= 1, $"the partition poked '{id}' {joinPokes} times as it joined: at most one is a pending row's");
        Assert.True(fixture.Pokes.PokesOf(id) == joinPokes, $"the partition poked '{id}' {fixture.Pokes.PokesOf(id) - joinPokes} times: it stopped hearing it after its heartbeat was lost");
        Assert.Equal(WorkerStatus.Running, (await Cluster.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync()).Status);
        fixture.Pokes.Unblock(id);
        await Cluster.Manager.StopAsync(id);
    }

    [Fact]
    public async Task HeartbeatsToItsPartition_AllLost_WorkerIsPokedAsSilent_ThenHeardAgain()
    {
        // Arrange: an idle worker its partition hears (a stall timeout passes without a poke).
        var id = $"hb-silent-{Guid.NewGuid():N}";
        var partition = PartitionOf(id);
        fixture.Pokes.Block(id);
        await Cluster.Manager.StartAsync(id, Idle);
        // Counted from once it runs and its silo's heartbeats name it: a heartbeat that overtakes the worker's own one-way
        // Running report finds its row still pending and pokes it once (harmless: the answer heals the row). What this
        // test is about is a stall timeout of silence, which must not happen while heartbeats arrive.
        var joinPokes = await PokesOnceRunningAsync(id, "is named by its silo's heartbeat");
        await SweepsAsync(SweepsPastAStall, $"'{id}' idles, heard");
        Assert.True(fixture.Pokes.PokesOf(id) == joinPokes, $"the partition poked '{id}' {fixture.Pokes.PokesOf(id) - joinPokes} times while its heartbeats arrived");

        // Act: the silos go on sending changes (empty ones: nothing changes) that never arrive, as from a silo that died.
        fixture.Tamper.Silence(partition);
        try
        {
            // Assert: the partition does not go on hearing the set it holds: its stall scan pokes the worker.
            await Eventually.UntilAsync(
                () => Task.FromResult(fixture.Pokes.PokesOf(id)),
                pokes => pokes > joinPokes,
                Deadline,
                pokes => $"the partition to poke '{id}' once no heartbeat reached it ({pokes - joinPokes} pokes)");
        }
        finally
        {
            fixture.Tamper.Unsilence(partition);
        }

        // And once heartbeats arrive again (a change out of sequence: the whole set is asked for), it is heard again.
        var asked = fixture.Tamper.WholeSetsAsked(partition);
        await Eventually.UntilAsync(
            () => Task.FromResult(fixture.Tamper.WholeSetsAsked(partition)),
            now => now > asked,
            Deadline,
            now => $"the partition to ask for the whole set after the lost heartbeats ({now - asked} asked)");
        var pokesThen = fixture.Pokes.PokesOf(id);
        await SweepsAsync(SweepsPastAStall, $"'{id}' idles, heard again");
        Assert.True(fixture.Pokes.PokesOf(id) == pokesThen, $"the partition poked '{id}' {fixture.Pokes.PokesOf(id) - pokesThen} more times after heartbeats reached it again");
        fixture.Pokes.Unblock(id);
        await Cluster.Manager.StopAsync(id);
    }

    /// <summary>The worker's pokes once it runs and two heartbeat sweeps have passed (<paramref name="heard"/>: what they
    /// brought its partition): the join poke of a pending row, if any, is behind it.</summary>
    private async Task<int> PokesOnceRunningAsync(string id, string heard)
    {
        await Eventually.UntilAsync(
            () => Cluster.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync(),
            info => info.Status == WorkerStatus.Running,
            Deadline,
            info => $"'{id}' to run (it is {info.Status})");
        await SweepsAsync(2, $"'{id}' runs and {heard}");
        return fixture.Pokes.PokesOf(id);
    }

    private GrainId PartitionOf(string id) =>
        Cluster.Client.GetGrain<IPartitionGrain>(WorkerPartitioner.PartitionOf(id, OverseerCluster.Partitions)).GetGrainId();

    private long[] Sweeps() => [.. Cluster.Cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<HeartbeatSweep>().Sweeps)];

    private async Task SweepsAsync(int count, string what)
    {
        var from = Sweeps();
        await Eventually.UntilAsync(
            () => Task.FromResult(Sweeps()),
            now => now.Zip(from, (n, b) => n >= b + count).All(done => done),
            Deadline,
            now => $"{count} heartbeat sweeps on every silo while {what} (sweeps {string.Join(", ", now)}, were {string.Join(", ", from)})");
    }
}
