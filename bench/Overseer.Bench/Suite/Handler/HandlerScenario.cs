using System.Diagnostics;
using Npgsql;
using Overseer.Bench.CrashRestart;
using Overseer.Models;
using Overseer.Outputs.Postgres;
using Overseer.Testing;

namespace Overseer.Bench.Suite.Handler;

/// <summary><c>handler</c>: committed events/s and commit latency of N endless <c>sequence</c> workers (batch 100) whose
/// handler inserts one row per event into PostgreSQL (<see cref="BenchRowsHandler"/>), against bare Npgsql writing the
/// same rows in the same batches from as many connections as the product's pool can use, interleaved.</summary>
/// <remarks>One silo hosted in the bench process (shipped settings, a private redis-server) so that a
/// <see cref="CommitMeter"/> hears the product's own commit instruments; one private PostgreSQL server with a database
/// for ours and one for the baseline. The baseline's writers are min(N, the pool's maximum) — the silo opens one
/// connection per commit from a single pooled data source (Npgsql's default maximum, 100), so that is the most
/// transactions it can have open at once; the sessions each side really held mid-window are reported.</remarks>
internal sealed class HandlerScenario(SuiteSettings settings)
{
    private const int Batch = 100;
    private const int InFlight = 500;
    private static readonly WorkerSpec Endless = WorkerSpec.For("sequence", ("batch", "100")) with { Handler = BenchRowsHandler.Name };
    private static readonly TimeSpan FirstCommitTimeout = TimeSpan.FromSeconds(120);

    public async Task<ScenarioOutput> RunAsync(CancellationToken cancellationToken)
    {
        // 128 MB of shared buffers instead of the test fixture's 16 MB: a bench should not measure a cramped cache. 300
        // connections instead of 200: the silo's pool keeps its up to 100 sessions open (idle) while the baseline's 100
        // writers run, and the bench's own watching takes a few more.
        await using var postgres = await PostgresServer.StartNewAsync(["shared_buffers=128MB", "max_connections=300"], cancellationToken);
        var (oursDb, bareDb) = (await postgres.CreateDatabaseAsync("ours", cancellationToken), await postgres.CreateDatabaseAsync("bare", cancellationToken));
        Progress.Say($"handler: postgres on port {postgres.Port}; starting an in-process silo with the bench handler");
        using var meter = new CommitMeter();
        await using var silo = await InProcessSilo.StartShippedAsync(cancellationToken, o => o.AddPostgres(oursDb).AddHandler<BenchRowsHandler>(BenchRowsHandler.Name));
        await using var bare = NpgsqlDataSource.Create(bareDb);
        // The bench's own reads (first commits, sessions, the final row check) go through pools of their own, so they
        // never wait behind, or take a connection from, what they measure.
        await using var watchOurs = NpgsqlDataSource.Create(oursDb);
        await using var watchBare = NpgsqlDataSource.Create(bareDb);
        await using (var create = watchBare.CreateCommand(BenchRowsHandler.CreateTable))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        var manager = silo.Grains.GetGrain<IManagerGrain>(0);
        var poolMax = new NpgsqlConnectionStringBuilder(oursDb).MaxPoolSize;
        Progress.Say("handler: warm-up (one short round of each), not reported");
        var warmUp = Math.Min(settings.HandlerWorkers[0], 100);
        await OursAsync(manager, meter, watchOurs, "hw-", warmUp, TimeSpan.FromSeconds(1), cancellationToken);
        await NpgsqlBaseline.RunAsync(bare, () => SessionsAsync(watchBare, cancellationToken), "bw-", Math.Min(warmUp, poolMax), Batch, TimeSpan.FromSeconds(1), cancellationToken);

        var (figures, points, notes) = (new List<Figure>(), new List<ChartPoint>(), new List<string>());
        foreach (var n in settings.HandlerWorkers)
        {
            var writers = Math.Min(n, poolMax);
            var (ours, bareRounds) = (new List<HandlerRound>(), new List<HandlerRound>());
            for (var r = 1; r <= settings.Repetitions; r++)
            {
                Task<HandlerRound> Ours() => OursAsync(manager, meter, watchOurs, $"h{n}r{r}-", n, settings.HandlerWindow, cancellationToken);
                Task<HandlerRound> Bare() => NpgsqlBaseline.RunAsync(bare, () => SessionsAsync(watchBare, cancellationToken), $"b{n}r{r}-", writers, Batch, settings.HandlerWindow, cancellationToken);
                if (r % 2 == 1)
                {
                    bareRounds.Add(await Bare());
                    ours.Add(await Ours());
                }
                else
                {
                    ours.Add(await Ours());
                    bareRounds.Add(await Bare());
                }

                var (o, b) = (ours[^1], bareRounds[^1]);
                Progress.Say($"handler {n} workers {r}/{settings.Repetitions}: ours {o.EventsPerSecond:0}/s p50 {o.Latency.P50:0.0} ms p99 {o.Latency.P99:0.0} ms ({o.Connections} sessions); "
                    + $"bare Npgsql ({writers} writers) {b.EventsPerSecond:0}/s p50 {b.Latency.P50:0.0} ms p99 {b.Latency.P99:0.0} ms");
            }

            var baseline = $"bare Npgsql, {writers} connections: BEGIN; the same INSERT of {Batch} rows; COMMIT";
            var rate = new Figure
            {
                Scenario = "handler",
                Name = $"events/s ({n:N0} endless workers, batch {Batch}, one row per event into PostgreSQL, one silo)",
                Unit = "/s",
                Baseline = baseline,
                HigherIsBetter = true,
                Ours = [.. ours.Select(o => o.EventsPerSecond)],
                BaselineValues = [.. bareRounds.Select(b => b.EventsPerSecond)],
                Target = "≥ 0.7",
            };
            figures.Add(rate with { Met = rate.RatioSummary.Median >= 0.7 });
            figures.Add(Latency(n, "p50", baseline, ours.Select(o => o.Latency.P50), bareRounds.Select(b => b.Latency.P50)));
            figures.Add(Latency(n, "p99", baseline, ours.Select(o => o.Latency.P99), bareRounds.Select(b => b.Latency.P99)));
            points.Add(new ChartPoint(n, rate.OursSummary.Median, rate.BaselineSummary.Median));
            notes.Add($"handler with {n:N0} workers: sessions open on PostgreSQL mid-window — the silo's pool {ours.Min(o => o.Connections)}–{ours.Max(o => o.Connections)} "
                + $"(Npgsql's default maximum {poolMax}), the baseline's {bareRounds.Min(b => b.Connections)}–{bareRounds.Max(b => b.Connections)} for {writers} writers; "
                + $"batch commits sampled per repetition: ours {ours.Min(o => o.Latency.Count):N0}–{ours.Max(o => o.Latency.Count):N0}, baseline {bareRounds.Min(b => b.Latency.Count):N0}–{bareRounds.Max(b => b.Latency.Count):N0}.");
        }

        var chart = new Chart("handler-throughput.svg", "Rows committed/s into PostgreSQL against number of workers (batch 100, one silo)", "events/s",
            "bare Npgsql", points);
        return new ScenarioOutput(figures, [chart], notes);
    }

    private static Figure Latency(int n, string percentile, string baseline, IEnumerable<double> ours, IEnumerable<double> bare) => new()
    {
        Scenario = "handler",
        Name = $"commit latency {percentile} ({n:N0} workers; ours: overseer.commit-duration, the baseline: one transaction)",
        Unit = "ms",
        Baseline = baseline,
        HigherIsBetter = false,
        Ours = [.. ours],
        BaselineValues = [.. bare],
    };

    /// <summary>Starts <paramref name="n"/> endless workers, waits until each has committed, measures the committed
    /// events and each batch commit's latency over <paramref name="window"/> through the product's instruments, stops
    /// them all, and checks that the rows are exactly the checkpoints.</summary>
    private static async Task<HandlerRound> OursAsync(
        IManagerGrain manager, CommitMeter meter, NpgsqlDataSource watch, string prefix, int n, TimeSpan window, CancellationToken cancellationToken)
    {
        var ids = Enumerable.Range(0, n).Select(i => $"{prefix}{i}").ToArray();
        await Bounded.RunAsync($"handler: start ({prefix}*)", n, InFlight, (i, t) => manager.StartAsync(ids[i], Endless, t), cancellationToken);
        try
        {
            await WaitFirstCommitsAsync(watch, prefix, n, cancellationToken);
            var clock = Stopwatch.StartNew();
            meter.Begin();
            await Task.Delay(window / 2, cancellationToken);
            var sessions = await SessionsAsync(watch, cancellationToken);
            await Task.Delay(window - (window / 2), cancellationToken);
            var (events, durations) = meter.End();
            return new HandlerRound(events / clock.Elapsed.TotalSeconds, LatencyStats.Of(durations), sessions);
        }
        finally
        {
            await Bounded.RunAsync($"handler: stop ({prefix}*)", n, InFlight, (i, t) => manager.StopAsync(ids[i], t), cancellationToken);
            await CheckRowsAsync(watch, prefix, cancellationToken);
        }
    }

    /// <summary>Polls the cursor table (one count every 100 ms) until every worker of the round has a checkpoint.</summary>
    private static async Task WaitFirstCommitsAsync(NpgsqlDataSource watch, string prefix, int n, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            await using var count = watch.CreateCommand($"SELECT count(*) FROM {PostgresSchema.CursorTable} WHERE worker LIKE $1 AND checkpoint > 0");
            count.Parameters.Add(new NpgsqlParameter<string> { TypedValue = prefix + "%" });
            var committed = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
            if (committed == n)
            {
                return;
            }

            if (clock.Elapsed > FirstCommitTimeout)
            {
                throw new BenchFailedException($"handler ({prefix}*): first commits: expected all {n} workers to commit a batch within {FirstCommitTimeout.TotalSeconds:0} s, but {committed} did");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Exactly once, checked: the round's rows are exactly its workers' checkpoints (one snapshot).</summary>
    private static async Task CheckRowsAsync(NpgsqlDataSource watch, string prefix, CancellationToken cancellationToken)
    {
        await using var check = watch.CreateCommand(
            $"SELECT (SELECT coalesce(sum(checkpoint), 0)::bigint FROM {PostgresSchema.CursorTable} WHERE worker LIKE $1), (SELECT count(*) FROM bench_rows WHERE worker LIKE $1)");
        check.Parameters.Add(new NpgsqlParameter<string> { TypedValue = prefix + "%" });
        await using var reader = await check.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (checkpoints, rows) = (reader.GetInt64(0), reader.GetInt64(1));
        if (checkpoints != rows)
        {
            throw new BenchFailedException($"handler ({prefix}*): expected as many rows as the checkpoints add up to ({checkpoints:N0}), found {rows:N0}");
        }
    }

    /// <summary>Sessions open on the database, the asking one excluded.</summary>
    private static async Task<int> SessionsAsync(NpgsqlDataSource watch, CancellationToken cancellationToken)
    {
        await using var count = watch.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
        return (int)(long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }
}
