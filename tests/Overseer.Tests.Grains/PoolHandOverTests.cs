using System.Globalization;
using Orleans.Hosting;
using Overseer.Models;
using Overseer.Redis;
using Overseer.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Overseer.Tests.Grains;

/// <summary>The running-worker pool across a graceful silo stop: a handed-over worker runs nowhere until its partition
/// brings it back, and keeps its slot until then even when the first pokes fail (as a poke that races the shutdown does),
/// so the head of the queue does not take it.</summary>
/// <remarks>The pokes are made to fail deterministically (<see cref="PokeBlocker"/>) for longer than the lease the worker
/// had when its silo began to stop; the real-process version, where they fail only when they happen to race the
/// shutdown, is <c>PoolSigtermTests</c>.</remarks>
public sealed class PoolHandOverTests(ITestOutputHelper output)
{
    private const int Cap = 2;

    /// <summary>Two pool checks (one a second, by default) after the lease the worker had: a slot returned to the pool by
    /// then has gone to the head of the queue.</summary>
    private const long PastTheLeaseMs = 3_000;

    [Fact]
    public async Task SiloStopped_PokesOfItsWorkerFailPastItsLease_TheWorkerKeepsItsSlot_TheQueuedOneWaits()
    {
        // Arrange: a 2-slot pool; one worker runs on the silo to stop (placement is random: a worker placed elsewhere is
        // stopped and another tried), a second takes the other slot, a third waits in the queue.
        var blocker = new PokeBlocker();
        var fixture = new OverseerCluster
        {
            Pool = o =>
            {
                o.MaxRunningWorkers = Cap;
                o.SlotLease = TimeSpan.FromSeconds(2);
            },
            ConfigureSilo = silo => silo.AddOutgoingGrainCallFilter(new OutgoingGrainCallFilterDelegate(blocker.InvokeAsync)),
        };
        await fixture.InitializeAsync();
        try
        {
            var cluster = fixture.Cluster;
            var manager = fixture.Manager;
            var victim = cluster.Silos[1];
            var victimEndpoint = victim.SiloAddress.Endpoint.ToString();
            var spec = WorkerSpec.For("sequence", ("delayMs", "50"), ("batch", "5"));
            string? moved = null;
            for (var i = 0; moved is null; i++)
            {
                Assert.True(i < 16, $"phase 'arrange': a worker placed on {victimEndpoint} in 16 tries");
                var info = await manager.StartAsync($"handover-m{i}", spec);
                if (info.Status == WorkerStatus.Running && info.Silo == victimEndpoint)
                {
                    moved = info.Id;
                }
                else
                {
                    await manager.StopAsync(info.Id);
                }
            }

            var other = await manager.StartAsync("handover-o", spec);
            var queued = await manager.StartAsync("handover-q", spec);
            Assert.Equal(WorkerStatus.Running, other.Status);
            Assert.Equal(WorkerStatus.Pending, queued.Status);
            var db = fixture.Mux.GetDatabase();
            var holdersKey = new RedisKeys(fixture.ServiceId).Pool[0];
            var before = await HoldersAsync(db, holdersKey);
            Assert.True(before.Holds(moved) && before.Holds(other.Id), $"phase 'arrange': {moved} and {other.Id} hold the {Cap} slots; {before}");
            var cursorKey = $"overseer:{fixture.ServiceId}:w:{{{moved}}}:cursor";
            var checkpointBefore = (long)await db.HashGetAsync(cursorKey, "cp");

            // Act: every poke of the worker fails from now on, and its silo stops gracefully (the worker hands over).
            blocker.Block(moved);
            await cluster.StopSiloAsync(victim);
            var during = await Eventually.UntilAsync(
                () => HoldersAsync(db, holdersKey),
                s => s.Holds(queued.Id) || s.NowMs >= before.Expiry[moved] + PastTheLeaseMs,
                TimeSpan.FromSeconds(20),
                s => $"phase 'pokes failing': {PastTheLeaseMs} ms past the lease {moved} had before the stop, or {queued.Id} holding a slot; {s}");
            var refused = blocker.Refused;
            blocker.Unblock(moved);
            output.WriteLine($"{refused} pokes of {moved} refused; then {during}");

            // Assert: the queued worker did not take the handed-over worker's slot, which runs again on the survivor.
            Assert.True(refused > 0, $"phase 'pokes failing': no poke of {moved} was made while they failed");
            Assert.False(during.Holds(queued.Id), $"phase 'pokes failing': {queued.Id} took the slot of {moved}, which was handed over and not yet back; {during}");
            Assert.True(during.Holds(moved), $"phase 'pokes failing': {moved} no longer holds its slot; {during}");
            var survivor = cluster.Silos[0].SiloAddress.Endpoint.ToString();
            await Eventually.UntilAsync(
                async () => ((await manager.ListAsync(new WorkerQuery(Prefix: "handover-"))).Items, (long)await db.HashGetAsync(cursorKey, "cp")),
                x => x.Items.Any(w => w.Id == moved && w.Status == WorkerStatus.Running && w.Silo == survivor)
                     && x.Items.Any(w => w.Id == queued.Id && w.Status == WorkerStatus.Pending)
                     && x.Item2 > checkpointBefore + 50,
                TimeSpan.FromSeconds(20),
                x => $"phase 'back': {moved} Running on {survivor} and committing past {checkpointBefore + 50}, {queued.Id} still Pending; "
                     + $"{string.Join(", ", x.Items.Select(w => $"{w.Id} {w.Status}@{w.Silo}"))}; checkpoint {x.Item2}");
            var after = await HoldersAsync(db, holdersKey);
            Assert.True(after.Holds(moved) && after.Holds(other.Id) && after.Held == Cap, $"phase 'back': the {Cap} slots held by {moved} and {other.Id}; {after}");
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    private static async Task<PoolHolders> HoldersAsync(IDatabase db, string key)
    {
        var batch = db.CreateBatch();
        var time = batch.ExecuteAsync("TIME");
        var holders = batch.SortedSetRangeByRankWithScoresAsync(key);
        batch.Execute();
        var t = (RedisResult[])(await time)!;
        var nowMs = (long.Parse((string)t[0]!, CultureInfo.InvariantCulture) * 1000) + (long.Parse((string)t[1]!, CultureInfo.InvariantCulture) / 1000);
        return new PoolHolders(nowMs, (await holders).ToDictionary(e => (string)e.Element!, e => (long)e.Score));
    }

    /// <summary>The pool's holders and their lease expiry, with Redis' clock: a lease that has passed no longer holds.</summary>
    private sealed record PoolHolders(long NowMs, IReadOnlyDictionary<string, long> Expiry)
    {
        public int Held => Expiry.Values.Count(e => e > NowMs);

        public bool Holds(string id) => Expiry.TryGetValue(id, out var e) && e > NowMs;

        public override string ToString() =>
            "holders " + string.Join(", ", Expiry.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key} {(h.Value > NowMs ? $"+{h.Value - NowMs} ms" : "expired")}"));
    }
}
