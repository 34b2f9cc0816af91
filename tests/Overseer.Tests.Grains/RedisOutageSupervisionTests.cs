using System.Diagnostics;
using System.Globalization;
using Overseer.Models;
using Overseer.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>
/// Redis outages while workers crash and restart: an outage pauses a worker and is ridden out, it never counts
/// as a restart, never ends a worker Failed, and never costs or repeats an event.
/// </summary>
/// <remarks>Its own cluster and Redis (not the shared collection): it pauses, fills and kills the server.</remarks>
[Trait("Category", "Faults")]
public sealed class RedisOutageSupervisionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Workers = 20;
    private const long Limit = 1500;

    // Crashes after 100, 200, ..., 1400 events; the fifteenth run reaches the limit. Outages must add none.
    private const int ExpectedRestarts = 14;

    /// <summary>How long the memory-full outage lasts: the length of the fault, not a wait for a result.</summary>
    private static readonly TimeSpan MemoryFullFor = TimeSpan.FromMilliseconds(1500);
    private static readonly TimeSpan PhaseDeadline = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan EndDeadline = TimeSpan.FromSeconds(45);

    // appendfsync always: the kill must lose no acknowledged commit, so that the schedule of crashes is exact. With
    // everysec a loaded machine loses the last second or two (see StoreLossTests for what a worker does then).
    private readonly OverseerCluster fixture = new() { RedisArguments = ["--enable-debug-command", "local", "--appendfsync", "always"] };
    private ConnectionMultiplexer admin = null!;

    public async Task InitializeAsync()
    {
        await fixture.InitializeAsync();
        admin = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString + ",allowAdmin=true");
    }

    public async Task DisposeAsync()
    {
        await admin.DisposeAsync();
        await fixture.DisposeAsync();
    }

    [Fact]
    public async Task Outages_WhileWorkersCrashAndRestart_CountNoRestartAndLoseOrRepeatNoEvent()
    {
        var clock = Stopwatch.StartNew();
        var ids = Enumerable.Range(0, Workers).Select(i => $"outage-{i:00}-{Guid.NewGuid():N}").ToArray();
        var spec = WorkerSpec.For("sequence", ("limit", "1500"), ("failAfter", "100"), ("batch", "50"))
            with { MaxRestarts = 100, RestartWindow = TimeSpan.FromSeconds(60) };
        await Task.WhenAll(ids.Select(id => fixture.Manager.StartAsync(id, spec)));

        await InjectAsync("CLIENT PAUSE 1500 WRITE (1)", ids, () => Db.ExecuteAsync("CLIENT", "PAUSE", "1500", "WRITE"));
        await InjectAsync("CLIENT PAUSE 1500 WRITE (2)", ids, () => Db.ExecuteAsync("CLIENT", "PAUSE", "1500", "WRITE"));
        await InjectAsync("DEBUG SLEEP 1", ids, () => Db.ExecuteAsync("DEBUG", "SLEEP", "1"));
        await InjectAsync("redis-server killed and restarted", ids, async () =>
        {
            await fixture.Redis.KillAsync();
            await fixture.Redis.StartAsync();
        });
        await InjectAsync("maxmemory just above used memory (OOM)", ids, FillMemoryAsync);

        var ended = await Task.WhenAll(ids.Select(id => Eventually.UntilAsync(
            () => fixture.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync(),
            info => info.Status is WorkerStatus.Completed or WorkerStatus.Failed or WorkerStatus.Stopped,
            EndDeadline,
            info => $"after the outages: worker '{id}' to end; it is {info.Status} at checkpoint {info.Checkpoint}, restarts {info.Restarts}, last error '{info.LastError}'")));
        output.WriteLine($"all workers ended after {clock.Elapsed.TotalSeconds:0.0} s");

        var wrong = ended.Where(i => i.Status != WorkerStatus.Completed || i.Restarts != ExpectedRestarts)
            .Select(i => $"'{i.Id}': {i.Status}, restarts {i.Restarts} (expected Completed with {ExpectedRestarts}), checkpoint {i.Checkpoint}, last error '{i.LastError}'")
            .ToArray();
        Assert.True(wrong.Length == 0, $"{wrong.Length} of {Workers} workers were hurt by the outages:{Environment.NewLine}{string.Join(Environment.NewLine, wrong)}");
        foreach (var id in ids)
        {
            await AssertExactlyOnceAsync(fixture.Client, id, Limit);
        }
    }

    private IDatabase Db => admin.GetDatabase();

    /// <summary>Injects one fault, then waits until the workers have committed more events (the fault is over and they
    /// went on) or have all ended, so the next fault hits workers that are running again.</summary>
    private async Task InjectAsync(string fault, string[] ids, Func<Task> inject)
    {
        var before = await ProgressAsync(ids);
        await inject();
        var after = await Eventually.UntilAsync(
            () => ProgressAsync(ids),
            p => p.Committed > before.Committed || p.Ended == ids.Length,
            PhaseDeadline,
            p => $"after '{fault}': the workers to commit past {before.Committed} events in all; they have {p.Committed}, {p.Ended} of {ids.Length} ended");
        output.WriteLine($"{fault}: events {before.Committed} -> {after.Committed}, ended {before.Ended} -> {after.Ended}");
    }

    private async Task<(long Committed, int Ended)> ProgressAsync(string[] ids)
    {
        var infos = await Task.WhenAll(ids.Select(id => fixture.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync()));
        return (infos.Sum(i => i.Checkpoint), infos.Count(i => i.Status is WorkerStatus.Completed or WorkerStatus.Failed or WorkerStatus.Stopped));
    }

    /// <summary>Sets maxmemory just above what Redis uses, waits until writes really fail with OOM, and keeps it so
    /// for <see cref="MemoryFullFor"/>.</summary>
    private async Task FillMemoryAsync()
    {
        // The admin connection may still be reconnecting after the restart before this fault.
        var info = await Eventually.UntilAsync(
            async () => (string?)await Db.ExecuteAsync("INFO", "memory") ?? string.Empty,
            i => i.Contains("used_memory:", StringComparison.Ordinal),
            PhaseDeadline,
            i => $"INFO memory to answer before the OOM fault; it said '{i}'");
        var used = long.Parse(
            info.Split('\n').Single(l => l.StartsWith("used_memory:", StringComparison.Ordinal))["used_memory:".Length..].Trim(),
            CultureInfo.InvariantCulture);
        await Db.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "noeviction");
        await Db.ExecuteAsync("CONFIG", "SET", "maxmemory", (used + (16 * 1024)).ToString(CultureInfo.InvariantCulture));
        try
        {
            // The probe's own writes fill the last kilobytes if the workers do not.
            var probe = 0;
            await Eventually.UntilAsync(
                async () =>
                {
                    try
                    {
                        await Db.StringSetAsync($"oom-probe-{probe++}", new string('x', 4096));
                        return "accepted";
                    }
                    catch (RedisServerException ex)
                    {
                        return ex.Message;
                    }
                },
                reply => reply.StartsWith("OOM", StringComparison.Ordinal),
                PhaseDeadline,
                reply => $"writes to fail with OOM after maxmemory {used} + 16 KiB; the last probe got '{reply}'");
            await Task.Delay(MemoryFullFor);
        }
        finally
        {
            await Db.ExecuteAsync("CONFIG", "SET", "maxmemory", "0");
        }
    }
}
