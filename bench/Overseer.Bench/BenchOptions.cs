using System.Globalization;

namespace Overseer.Bench;

/// <summary>The command line: <c>[--workers N] [--silos N] [--concurrency N] [--crash-workers N] [--telemetry-overhead [--seconds N] [--rounds N]]
/// [--crash-restart [--crashes N] [--rounds N] [--quick]]</c>.</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        usage: dotnet run -c Release --project bench/Overseer.Bench -- [options]

          --workers N        workers started in the start-rate phase (default 10000)
          --silos N          silo processes (default 2)
          --concurrency N    start calls in flight (default 200)
          --crash-workers N  workers that crash once in the restart phase, and as many that do not (default 200)
          --telemetry-overhead
                             instead: event throughput with telemetry off and on, side by side (alternating
                             fresh clusters); --workers defaults to 200 here
          --pool             instead: 10,000 endless workers (--workers) without caps, with MaxRunningWorkers =
                             workers/10, and with MaxConcurrentFetchesPerSilo=50: events/s and silo memory
          --view-latency     instead: --workers (default 100,000) completed workers, then timed /workers requests
          --evm              instead: blocks/s and logs/s indexed from a local anvil by 1 and by 100 evm workers
                             (2,000 blocks; 5,000 logs in 100 blocks), and the failover and switch-back times of
                             one push worker whose WebSocket is cut or goes silent while HTTP answers
          --crash-restart    instead: crash → first commit of the next run with backoff 0, next to a bare grain's
                             deactivate/reactivate, interleaved over --rounds (default 5) in one in-process silo;
                             --workers (default 50) workers × --crashes (default 20) crashes per round
          --crashes N        crash → commit samples per worker per round for --crash-restart (default 20)
          --quick            with --crash-restart: a smoke run (20 workers × 10 crashes, 3 rounds)
          --seconds N        measurement window per cluster for --telemetry-overhead and --pool (default 10)
          --rounds N         off/on pairs for --telemetry-overhead (default 2), repetitions for --crash-restart
          --help             this text
        """;

    /// <summary>Workers started (and re-started) in the start-rate phase. Default 10,000.</summary>
    public int Workers { get; init; } = 10_000;

    /// <summary>Silo processes. Default 2.</summary>
    public int Silos { get; init; } = 2;

    /// <summary>Client calls in flight. Default 200.</summary>
    public int Concurrency { get; init; } = 200;

    /// <summary>Workers that crash exactly once, and as many that never crash. Default 200.</summary>
    public int CrashWorkers { get; init; } = 200;

    /// <summary>Measure telemetry overhead on event throughput instead of start rate and restart latency.</summary>
    public bool TelemetryOverhead { get; init; }

    /// <summary>Measure the pool's effect on throughput and memory instead.</summary>
    public bool Pool { get; init; }

    /// <summary>Measure the worker view's latency over a large registry instead.</summary>
    public bool ViewLatency { get; init; }

    /// <summary>Measure evm indexing rates and failover time against a local anvil instead.</summary>
    public bool Evm { get; init; }

    /// <summary>Measure crash → next-commit latency against a bare grain's reactivation instead.</summary>
    public bool CrashRestart { get; init; }

    /// <summary>A smoke run of <see cref="CrashRestart"/>: fewer workers, crashes and rounds.</summary>
    public bool Quick { get; init; }

    /// <summary>Crash → commit samples per worker per round in the crash-restart mode. Default 20 (10 with --quick).</summary>
    public int Crashes { get; init; } = 20;

    /// <summary>Whether <c>--crashes</c> was given.</summary>
    public bool CrashesGiven { get; init; }

    /// <summary>Whether <c>--rounds</c> was given (the crash-restart mode has its own default).</summary>
    public bool RoundsGiven { get; init; }

    /// <summary>Crash-looping workers (and bare grains) per round in the crash-restart mode: 50, 20 with --quick.</summary>
    public int CrashRestartWorkers => WorkersGiven ? Workers : Quick ? 20 : 50;

    /// <summary>Samples per worker per round in the crash-restart mode.</summary>
    public int CrashesPerWorker => CrashesGiven ? Crashes : Quick ? 10 : 20;

    /// <summary>Repetitions in the crash-restart mode: 5, 3 with --quick.</summary>
    public int CrashRestartRounds => RoundsGiven ? Rounds : Quick ? 3 : 5;

    /// <summary>Measurement window per cluster in the telemetry-overhead mode. Default 10 s.</summary>
    public int Seconds { get; init; } = 10;

    /// <summary>Off/on pairs in the telemetry-overhead mode. Default 2.</summary>
    public int Rounds { get; init; } = 2;

    /// <summary>Whether <c>--workers</c> was given (the telemetry-overhead mode has its own default).</summary>
    public bool WorkersGiven { get; init; }

    /// <summary>Whether <c>--help</c> was given.</summary>
    public bool Help { get; init; }

    /// <exception cref="UsageException">An argument is unknown, lacks its value, or is out of range; the message says which.</exception>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "--help" or "-h")
            {
                return options with { Help = true };
            }

            options = name switch
            {
                "--workers" => options with { Workers = Value(args, ref i, 1, 10_000_000), WorkersGiven = true },
                "--telemetry-overhead" => options with { TelemetryOverhead = true },
                "--pool" => options with { Pool = true },
                "--evm" => options with { Evm = true },
                "--view-latency" => options with { ViewLatency = true },
                "--seconds" => options with { Seconds = Value(args, ref i, 1, 3600) },
                "--rounds" => options with { Rounds = Value(args, ref i, 1, 20), RoundsGiven = true },
                "--crash-restart" => options with { CrashRestart = true },
                "--crashes" => options with { Crashes = Value(args, ref i, 1, 10_000), CrashesGiven = true },
                "--quick" => options with { Quick = true },
                "--silos" => options with { Silos = Value(args, ref i, 1, 16) },
                "--concurrency" => options with { Concurrency = Value(args, ref i, 1, 10_000) },
                "--crash-workers" => options with { CrashWorkers = Value(args, ref i, 1, 100_000) },
                _ => throw new UsageException(
                    $"unknown argument '{name}': expected --workers, --silos, --concurrency, --crash-workers, --telemetry-overhead, --pool, --evm, --view-latency, --crash-restart, --crashes, --quick, --seconds, --rounds or --help"),
            };
        }

        if ((options.Quick || options.CrashesGiven) && !options.CrashRestart)
        {
            throw new UsageException("--quick and --crashes apply to --crash-restart only: add --crash-restart, or leave them out");
        }

        return options;
    }

    private static int Value(IReadOnlyList<string> args, ref int i, int min, int max)
    {
        var name = args[i];
        if (++i >= args.Count)
        {
            throw new UsageException($"{name} needs a value: a whole number from {min} to {max}");
        }

        var text = args[i];
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new UsageException($"invalid {name} '{text}': expected a whole number from {min} to {max}");
    }
}
