using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Overseer.Client;
using Overseer.Models;
using Overseer.Registry;
using Overseer.Testing;
using StackExchange.Redis;

namespace Overseer.Bench.Suite;

/// <summary><c>views</c>: the typed client's <c>list</c>, <c>summary</c> and <c>watch</c> calls with N registered
/// workers (1,000,000; <c>--quick</c> 2,000), against a real silo process (<c>Silo/</c>, shipped settings, 8
/// partitions) that loaded the rows from Redis; plus the load time and the memory per row, in the silo and in Redis.</summary>
/// <remarks>The rows are written into the partitions' Redis hashes before the silo starts (<see cref="RegistrySeeder"/>:
/// finished workers, so nothing is restored); then <see cref="LiveWorkers"/> real endless workers are started through
/// the client, so that heartbeats keep changing rows (and the totals) while the calls are timed, and watch's slowest
/// list has something to rank. Each repetition times every operation <see cref="CallsPerOperation"/> times, one call
/// at a time, in an order rotated per repetition. No bare baseline: nothing bare answers the same question.</remarks>
internal sealed class ViewsScenario(SuiteSettings settings)
{
    private const int Partitions = 8;
    private const int WatchTop = 10;
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromMinutes(4);
    private static readonly WorkerSpec Endless = WorkerSpec.For("sequence", ("batch", "1"), ("delayMs", "100"));

    private int LiveWorkers => settings.Quick ? 20 : 200;

    private int CallsPerOperation => settings.Quick ? 10 : 40;

    public async Task<ScenarioOutput> RunAsync(CancellationToken cancellationToken)
    {
        var n = settings.ViewWorkers;
        await using var redis = await RedisServer.StartNewAsync(cancellationToken: cancellationToken);
        // Admin mode for INFO memory; the bench's own connection only.
        await using var mux = await ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},allowAdmin=true");
        var serviceId = $"views-{Guid.NewGuid():N}";
        var usedBefore = await RedisMemory.UsedAsync(mux);
        var clock = Stopwatch.StartNew();
        await RegistrySeeder.SeedAsync(mux, serviceId, n, Partitions, cancellationToken);
        var keys = new Overseer.Redis.RedisKeys(serviceId);
        var registryKeys = Enumerable.Range(0, Partitions).Select(keys.Registry).ToList();
        var stored = (await Task.WhenAll(registryKeys.Select(k => mux.GetDatabase().HashLengthAsync(k)))).Sum();
        if (stored != n)
        {
            throw new BenchFailedException($"views: {stored:N0} rows in Redis after seeding {n:N0}");
        }

        var redisUsed = (await RedisMemory.UsedAsync(mux) - usedBefore) / (double)n;
        var redisUsage = await RedisMemory.UsageAsync(mux, registryKeys) / (double)n;
        Progress.Say($"views: {n:N0} rows written in {clock.Elapsed.TotalSeconds:0.0} s; Redis used_memory +{redisUsed:0} B/row, MEMORY USAGE {redisUsage:0} B/row");

        // Memory in fresh processes first, while nothing else runs: a silo over one row (its fixed cost), then over n.
        var oneRow = $"views-one-{Guid.NewGuid():N}";
        await RegistrySeeder.SeedAsync(mux, oneRow, 1, Partitions, cancellationToken);
        var one = await ProbeProcess.RunAsync(ViewsProbe.Kind, redis.ConnectionString, oneRow, 1, settings.Quick, cancellationToken);
        var full = await ProbeProcess.RunAsync(ViewsProbe.Kind, redis.ConnectionString, serviceId, n, settings.Quick, cancellationToken);
        var heapPerRow = ((full.HeapBytesPerActivation * n) - one.HeapBytesPerActivation) / (n - 1);
        var rssPerRow = ((full.RssBytesPerActivation * n) - one.RssBytesPerActivation) / (n - 1);
        Progress.Say($"views: silo memory per row: heap {heapPerRow:0} B, RSS {rssPerRow:0} B (in-process silo loaded in {full.Milliseconds:0} ms)");

        var loadClock = Stopwatch.StartNew();
        await using var silo = await SiloProcess.StartReadyAsync(new SiloProcessOptions
        {
            Name = "views-silo",
            RedisConnectionString = redis.ConnectionString,
            ClusterId = $"views-{Guid.NewGuid():N}",
            ServiceId = serviceId,
        }, LoadTimeout, cancellationToken: cancellationToken);
        var readyMs = loadClock.Elapsed.TotalMilliseconds;
        using var host = BenchCluster.BuildClientHost(redis.ConnectionString, silo.Options.ClusterId, silo.Options.ServiceId);
        await host.StartAsync(cancellationToken);
        var client = host.Services.GetRequiredService<OverseerClient>();
        var manager = host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagerGrain>(0);
        await WaitForAsync(client, s => s.Workers == n, $"every partition answering with {n:N0} rows", loadClock, cancellationToken);
        var loadMs = loadClock.Elapsed.TotalMilliseconds;
        Progress.Say($"views: silo pid {silo.ProcessId} ready after {readyMs:0} ms, all {n:N0} rows answering after {loadMs:0} ms");

        await Bounded.RunAsync("views: live workers", LiveWorkers, 50, (i, t) => client.StartAsync($"live-{i:000}", Endless, t), cancellationToken);
        await WaitForAsync(client, s => s.ByStatus.GetValueOrDefault("running") == LiveWorkers, $"{LiveWorkers} live workers running", Stopwatch.StartNew(), cancellationToken);

        // A page deep in the id order: after the middle of the 46th of the 50 tenants, ~91 % of the way through.
        var deepAfter = RegistrySeeder.IdOf(45 + (RegistrySeeder.Tenants * (n / RegistrySeeder.Tenants / 2)));
        var operations = new (string Name, Func<CancellationToken, Task> Call)[]
        {
            ("list, first page (1,000 rows)", t => client.ListAsync(limit: OverseerClient.ListPageSize, cancellationToken: t).CountAsync(t).AsTask()),
            ("list --status failed --prefix t07-", t => client.ListAsync(WorkerStatus.Failed, OverseerClient.ListPageSize, "t07-", t).CountAsync(t).AsTask()),
            ($"list --status running ({LiveWorkers} of {n:N0})", t => client.ListAsync(WorkerStatus.Running, OverseerClient.ListPageSize, cancellationToken: t).CountAsync(t).AsTask()),
            ("list page after=… (~91 % into the id order)", t => manager.ListAsync(new WorkerQuery(AfterId: deepAfter, Limit: OverseerClient.ListPageSize), t)),
            ("summary", t => client.GetSummaryAsync(t)),
            ($"watch sample (summary + slowest {WatchTop})", t => Task.WhenAll(client.GetSummaryAsync(t), client.GetSlowestAsync(WatchTop, t))),
        };

        Progress.Say("views: warm-up pass, not reported");
        foreach (var op in operations)
        {
            await TimeAsync(op.Call, 3, cancellationToken);
        }

        var p50 = operations.Select(_ => new List<double>()).ToArray();
        var p99 = operations.Select(_ => new List<double>()).ToArray();
        for (var r = 0; r < settings.Repetitions; r++)
        {
            for (var k = 0; k < operations.Length; k++)
            {
                var o = (r + k) % operations.Length;
                var latency = await TimeAsync(operations[o].Call, CallsPerOperation, cancellationToken);
                p50[o].Add(latency.P50);
                p99[o].Add(latency.P99);
            }

            Progress.Say($"views {r + 1}/{settings.Repetitions}: p99 " + string.Join(", ", operations.Select((op, o) => $"{op.Name} {p99[o][^1]:0.0} ms")));
        }

        var figures = new List<Figure>();
        for (var o = 0; o < operations.Length; o++)
        {
            figures.Add(Stated($"{operations[o].Name}, p50 ({n:N0} workers)", "ms", p50[o]));
            var tail = Stated($"{operations[o].Name}, p99 ({n:N0} workers)", "ms", p99[o]) with { Target = "≤ 200 ms" };
            figures.Add(tail with { Met = tail.OursSummary.Median <= 200 });
        }

        figures.Add(Stated($"silo start → every partition answering with all {n:N0} rows", "ms", [loadMs]));
        figures.Add(Stated("silo managed heap per registry row (after a full GC)", "B", [heapPerRow]));
        figures.Add(Stated("silo RSS per registry row (after a full GC)", "B", [rssPerRow]));
        figures.Add(Stated("Redis used_memory per registry row", "B", [redisUsed]));
        figures.Add(Stated("Redis MEMORY USAGE of the registry hashes per row", "B", [redisUsage]));
        var note = $"views: {n:N0} finished workers' rows written into Redis in the partitions' own format, then one real silo process loaded them "
            + $"({LiveWorkers} live endless workers started through the client during the timed calls); {settings.Repetitions} repetitions × {CallsPerOperation} "
            + $"calls per operation, one at a time (a p99 of {CallsPerOperation} calls is their maximum); memory measured once, in fresh processes. "
            + $"Silo ready after {readyMs:0} ms; the in-process silo of the memory probe loaded the rows in {full.Milliseconds:0} ms.";
        return new ScenarioOutput(figures, [], [note]);
    }

    private static Figure Stated(string name, string unit, List<double> values) => Figure.Stated("views", name, unit, values);

    private static async Task<LatencyStats> TimeAsync(Func<CancellationToken, Task> call, int count, CancellationToken cancellationToken)
    {
        var samples = new double[count];
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await call(cancellationToken);
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        return LatencyStats.Of(samples);
    }

    private static async Task WaitForAsync(OverseerClient client, Func<ClusterSummary, bool> done, string what, Stopwatch clock, CancellationToken cancellationToken)
    {
        ClusterSummary? last = null;
        while (last is null || !done(last))
        {
            if (clock.Elapsed > LoadTimeout)
            {
                throw new BenchFailedException($"views: not {what} after {LoadTimeout.TotalMinutes:0} min (last summary: {last?.Workers:N0} workers)");
            }

            if (last is not null)
            {
                await Task.Delay(100, cancellationToken);
            }

            try
            {
                last = await client.GetSummaryAsync(cancellationToken);
            }
            catch (ClusterUnreachableException)
            {
                // A partition still loading its rows when the call's 30 s ran out (the client says so as
                // "unreachable"): ask again until the deadline.
            }
        }
    }
}
