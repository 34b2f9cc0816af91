using System.Diagnostics;
using Overseer.Models;
using Overseer.Redis;
using Overseer.Sources.Sequence;
using Overseer.Testing;
using Xunit.Abstractions;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>A reshard (<c>redis-cli --cluster reshard</c>) of the slots that hold running workers' keys, to another
/// primary and back, twice, while the workers commit and crash on schedule: every slot's keys move with MIGRATE under
/// the workers' feet, so their commits meet <c>ASK</c> (mid-move), <c>MOVED</c> (after it) and possibly
/// <c>TRYAGAIN</c> (a script whose keys are split between the two nodes). That is an outage and never a crash: every
/// worker ends with exactly its scheduled restarts and every event once.</summary>
/// <remarks>On the collection's shared cluster: the reshard leaves it as it found it (the slots go back), and no node
/// is killed.</remarks>
[Collection(RedisClusterCollection.Name)]
[Trait("Category", "Faults")]
public sealed class RedisClusterReshardTests(RedisClusterFixture fixture, ITestOutputHelper output)
{
    private const int Workers = 6;
    private const long Limit = 2000;

    // Crashes after 200, 400, ..., 1800 events; the tenth run reaches the limit. The reshards must add none.
    private const int ExpectedRestarts = 9;

    // The reshard moves the source's lowest slots first; the workers' keys are in the lowest MovedSlots of them.
    private const int MovedSlots = 300;
    private const int RoundTrips = 2;

    // The reshards begin once every worker has committed this much, and must end before any reaches the limit.
    private const long ReshardAfter = 100;

    private static readonly TimeSpan EndDeadline = TimeSpan.FromSeconds(60);

    private OverseerCluster Overseer => fixture.Overseer;

    [Fact]
    public async Task SlotsOfRunningWorkers_ReshardedAwayAndBack_WhileTheyCommitAndCrash_NoRestartCountedAndExactlyOnce()
    {
        // Arrange: the primary serving slot 0 gives up its lowest slots (redis-cli takes them in order) to another
        // primary; the workers are ids whose keys hash into exactly those slots. 200 fetches of 10 at 20 ms make a run
        // of several seconds, longer than the reshards.
        var clock = Stopwatch.StartNew();
        var primaries = fixture.Redis.Primaries;
        var source = await OwnerOfAsync(primaries, 0);
        var target = primaries.First(p => p != source);
        var moved = (await fixture.Redis.SlotsOfAsync(source)).Take(MovedSlots).ToHashSet();
        var keys = new RedisKeys(Overseer.ServiceId);
        var ids = IdsInSlots(keys, moved);
        var spec = WorkerSpec.For(SequenceSourceFactory.Kind, ("limit", $"{Limit}"), ("failAfter", "200"), ("batch", "10"), ("delayMs", "20"))
            with { MaxRestarts = 100, RestartWindow = TimeSpan.FromSeconds(60) };
        var errorsBefore = await fixture.Redis.ErrorRepliesAsync();

        // Act
        await Task.WhenAll(ids.Select(id => Overseer.Manager.StartAsync(id, spec)));
        await Eventually.UntilAsync(
            () => InfosAsync(ids),
            all => all.All(i => i.Checkpoint >= ReshardAfter),
            EndDeadline,
            all => $"before the reshard: every worker to commit {ReshardAfter} events; {Describe(all)}");
        var reshardsBegan = clock.Elapsed;
        for (var trip = 0; trip < RoundTrips; trip++)
        {
            await fixture.Redis.ReshardAsync(source, target, MovedSlots);
            var away = await fixture.Redis.SlotsOfAsync(target);
            Assert.True(moved.IsSubsetOf(away), $"round trip {trip}: the reshard did not move the workers' slots to {target.Port}");
            await fixture.Redis.ReshardAsync(target, source, MovedSlots);
        }

        var reshardsEnded = clock.Elapsed;
        var afterReshards = await InfosAsync(ids);
        var errors = Delta(errorsBefore, await fixture.Redis.ErrorRepliesAsync());
        var ended = await Task.WhenAll(ids.Select(id => Eventually.UntilAsync(
            () => Overseer.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync(),
            i => i.Status is WorkerStatus.Completed or WorkerStatus.Failed or WorkerStatus.Stopped,
            EndDeadline,
            i => $"after the reshards: worker '{id}' to end; it is {i.Status} at checkpoint {i.Checkpoint}, restarts {i.Restarts}, last error '{i.LastError}'")));
        output.WriteLine(
            $"{2 * RoundTrips} reshards of {MovedSlots} slots between {source.Port} and {target.Port} from {reshardsBegan.TotalSeconds:0.0} s to "
            + $"{reshardsEnded.TotalSeconds:0.0} s; checkpoints then [{string.Join(' ', afterReshards.Select(i => i.Checkpoint))}]; all ended at "
            + $"{clock.Elapsed.TotalSeconds:0.0} s; error replies meanwhile: {string.Join(", ", errors.Select(e => $"{e.Key} {e.Value}"))}");

        // Assert: the reshards happened while every worker still had commits to make, and were felt as redirections.
        Assert.True(afterReshards.All(i => i.Checkpoint < Limit), $"a worker finished before the reshards did, so they did not all run under commits: {Describe(afterReshards)}");
        Assert.True(errors.GetValueOrDefault("MOVED") + errors.GetValueOrDefault("ASK") > 0, $"no MOVED or ASK reply during the reshards: {string.Join(", ", errors)}");
        var wrong = ended.Where(i => i.Status != WorkerStatus.Completed || i.Restarts != ExpectedRestarts || i.Checkpoint != Limit)
            .Select(i => $"'{i.Id}': {i.Status} at {i.Checkpoint}, restarts {i.Restarts} (expected Completed at {Limit} with {ExpectedRestarts}), last error '{i.LastError}'")
            .ToArray();
        Assert.True(wrong.Length == 0, $"{wrong.Length} of {ids.Length} workers were hurt by the reshards:{Environment.NewLine}{string.Join(Environment.NewLine, wrong)}");
        foreach (var id in ids)
        {
            await AssertExactlyOnceAsync(Overseer.Client, id, Limit);
        }
    }

    /// <summary>The steps of one slot's move, by hand and one at a time, under a running worker: each lasts until the
    /// worker's commits have met it. With only its stream moved, its commit script (cursor and stream) gets
    /// <c>TRYAGAIN</c>; with both keys moved but the slot still migrating, <c>ASK</c>; once the slot is the target's,
    /// <c>MOVED</c>. Each is an outage: the worker ends with exactly its scheduled restarts and every event once.</summary>
    [Fact]
    public async Task SlotOfARunningWorker_MovedKeyByKey_TryAgainThenAsk_NoRestartCountedAndExactlyOnce()
    {
        // Arrange: 100 fetches of 10 at 20 ms, a crash every 100 events.
        const long limit = 1000;
        const int restarts = 9;
        var keys = new RedisKeys(Overseer.ServiceId);
        var id = $"migrate-{Guid.NewGuid():N}";
        var slot = Overseer.Mux.HashSlot(keys.Cursor(id));
        var primaries = fixture.Redis.Primaries;
        var source = await OwnerOfAsync(primaries, slot);
        var target = primaries.First(p => p != source);
        var spec = WorkerSpec.For(SequenceSourceFactory.Kind, ("limit", $"{limit}"), ("failAfter", "100"), ("batch", "10"), ("delayMs", "20"))
            with { MaxRestarts = 100, RestartWindow = TimeSpan.FromSeconds(60) };

        // Act
        await Overseer.Manager.StartAsync(id, spec);
        await Eventually.UntilAsync(
            () => Overseer.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync(),
            i => i.Checkpoint >= ReshardAfter,
            EndDeadline,
            i => $"before the move: worker '{id}' to commit {ReshardAfter} events; it is {i.Status} at {i.Checkpoint}");
        var before = await fixture.Redis.ErrorRepliesAsync();
        await fixture.Redis.BeginSlotMigrationAsync(slot, source, target);
        await fixture.Redis.MigrateKeysAsync(slot, source, target, [keys.Events(id)]);
        var split = await RepliedAsync(before, "TRYAGAIN", $"only the stream of '{id}' moved from {source.Port} to {target.Port}");
        await fixture.Redis.MigrateKeysAsync(slot, source, target);
        var asked = await RepliedAsync(before, "ASK", $"both keys of '{id}' moved, slot {slot} still migrating");
        await fixture.Redis.EndSlotMigrationAsync(slot, target);
        var ended = await Eventually.UntilAsync(
            () => Overseer.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync(),
            i => i.Status is WorkerStatus.Completed or WorkerStatus.Failed or WorkerStatus.Stopped,
            EndDeadline,
            i => $"after the move: worker '{id}' to end; it is {i.Status} at checkpoint {i.Checkpoint}, restarts {i.Restarts}, last error '{i.LastError}'");
        output.WriteLine($"slot {slot} moved from {source.Port} to {target.Port}: TRYAGAIN {split} while split, ASK {asked} while migrating; "
            + $"'{id}' ended {ended.Status} at {ended.Checkpoint} with {ended.Restarts} restarts");

        // Assert
        Assert.True(
            (ended.Status, ended.Checkpoint, ended.Restarts) == (WorkerStatus.Completed, limit, restarts),
            $"'{id}': {ended.Status} at {ended.Checkpoint}, restarts {ended.Restarts} (expected Completed at {limit} with {restarts}), last error '{ended.LastError}'");
        await AssertExactlyOnceAsync(Overseer.Client, id, limit);
    }

    /// <summary>Waits until the nodes have sent at least one more <paramref name="error"/> reply than in
    /// <paramref name="before"/>; returns how many more.</summary>
    private async Task<long> RepliedAsync(IReadOnlyDictionary<string, long> before, string error, string phase)
    {
        var now = await Eventually.UntilAsync(
            () => fixture.Redis.ErrorRepliesAsync(),
            r => r.GetValueOrDefault(error) > before.GetValueOrDefault(error),
            EndDeadline,
            r => $"{phase}: a {error} reply to the worker's commits; error replies so far: {string.Join(", ", r.Select(e => $"{e.Key} {e.Value}"))}");
        return now[error] - before.GetValueOrDefault(error);
    }

    private async Task<RedisServer> OwnerOfAsync(IReadOnlyList<RedisServer> primaries, int slot)
    {
        foreach (var primary in primaries)
        {
            if ((await fixture.Redis.SlotsOfAsync(primary)).Contains(slot))
            {
                return primary;
            }
        }

        throw new InvalidOperationException($"none of the primaries {string.Join(", ", primaries.Select(p => p.Port))} serves slot {slot}");
    }

    private Task<WorkerInfo[]> InfosAsync(IEnumerable<string> ids) =>
        Task.WhenAll(ids.Select(id => Overseer.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync()));

    /// <summary>Fresh worker ids whose keys (one <c>{id}</c> slot: cursor and stream) hash into <paramref name="slots"/>.</summary>
    private string[] IdsInSlots(RedisKeys keys, IReadOnlySet<int> slots)
    {
        var ids = new List<string>();
        for (var n = 0; ids.Count < Workers; n++)
        {
            Assert.True(n < 100_000, $"only {ids.Count} of {Workers} worker ids in the {slots.Count} moved slots after {n} tries");
            var id = $"reshard-{Guid.NewGuid():N}";
            if (slots.Contains(Overseer.Mux.HashSlot(keys.Cursor(id))))
            {
                ids.Add(id);
            }
        }

        return [.. ids];
    }

    private static Dictionary<string, long> Delta(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after) =>
        after.Select(a => (a.Key, Count: a.Value - before.GetValueOrDefault(a.Key))).Where(a => a.Count > 0).ToDictionary(a => a.Key, a => a.Count);

    private static string Describe(WorkerInfo[] all) =>
        string.Join("; ", all.Select(i => $"'{i.Id}' {i.Status} at {i.Checkpoint}, restarts {i.Restarts}"));
}
