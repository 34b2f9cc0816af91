using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Overseer.Bench;

/// <summary>The command line: <c>[--workers N] [--silos N] [--concurrency N] [--crash-workers N] [--telemetry-overhead [--seconds N] [--rounds N]]
/// [--crash-restart [--crashes N] [--rounds N] [--quick]]</c>, declared once on System.CommandLine (parsing and <c>--help</c>).</summary>
internal sealed record BenchOptions
{
    /// <summary>What each number option accepts, for the message when its value is missing; filled by <see cref="Number"/>.</summary>
    private static readonly Dictionary<Option, string> Ranges = [];

    private static readonly Option<int?> WorkersOption = Number("--workers", 1, 10_000_000,
        "workers started in the start-rate phase (default 10000); --telemetry-overhead: 200, --view-latency: 100000, --crash-restart: 50");

    private static readonly Option<int?> SilosOption = Number("--silos", 1, 16, "silo processes (default 2)");

    private static readonly Option<int?> ConcurrencyOption = Number("--concurrency", 1, 10_000, "start calls in flight (default 200)");

    private static readonly Option<int?> CrashWorkersOption = Number("--crash-workers", 1, 100_000,
        "workers that crash once in the restart phase, and as many that do not (default 200)");

    private static readonly Option<bool> TelemetryOverheadOption = Flag("--telemetry-overhead",
        "instead: event throughput with telemetry off and on, side by side (alternating fresh clusters); --workers defaults to 200 here");

    private static readonly Option<bool> PoolOption = Flag("--pool",
        "instead: 10,000 endless workers (--workers) without caps, with MaxRunningWorkers = workers/10, and with MaxConcurrentFetchesPerSilo=50: events/s and silo memory");

    private static readonly Option<bool> ViewLatencyOption = Flag("--view-latency",
        "instead: --workers (default 100,000) completed workers, then timed /workers requests");

    private static readonly Option<bool> EvmOption = Flag("--evm",
        "instead: blocks/s and logs/s indexed from a local anvil by 1 and by 100 evm workers");

    private static readonly Option<bool> CrashRestartOption = Flag("--crash-restart",
        "instead: crash → first commit of the next run with backoff 0, next to a bare grain's deactivate/reactivate, interleaved over "
        + "--rounds (default 5) in one in-process silo; --workers (default 50) workers × --crashes (default 20) crashes per round");

    private static readonly Option<int?> CrashesOption = Number("--crashes", 1, 10_000, "crash → commit samples per worker per round for --crash-restart (default 20)");

    private static readonly Option<bool> QuickOption = Flag("--quick",
        "with --crash-restart: a smoke run (20 workers × 10 crashes, 3 rounds); with --suite or scenarios: the scenarios at a tiny size, 2 repetitions (all of them in about a minute)");

    private static readonly Option<bool> LargeOption = Flag("--large",
        "with --suite or scenarios: also the 100,000-worker points (idle, events, restore), one repetition each; about 10 more minutes, results to bench/results/large/");

    private static readonly Argument<string[]> ScenariosArgument = CreateScenarios();

    private static readonly Option<bool> SuiteOption = Flag("--suite",
        "instead: the suite (./overseer bench): every scenario named (when none is: starts, restore, idle, events, crash-restart, views), each beside its bare baseline, interleaved; "
        + "results to bench/results/ as Markdown, JSON and SVG");

    // The suite's child processes (Suite/Probe.cs); not for people.
    private static readonly Option<string?> ProbeOption = new("--probe") { Hidden = true };

    private static readonly Option<string?> RedisOption = new("--redis") { Hidden = true };

    private static readonly Option<string?> ServiceIdOption = new("--service-id") { Hidden = true };

    private static readonly Option<int?> SecondsOption = Number("--seconds", 1, 3600, "measurement window per cluster for --telemetry-overhead and --pool (default 10)");

    private static readonly Option<int?> RoundsOption = Number("--rounds", 1, 20, "off/on pairs for --telemetry-overhead (default 2), repetitions for --crash-restart");

    private static readonly RootCommand Root = CreateRoot();

    /// <summary>The help text (<c>--help</c>), from the declaration.</summary>
    public static string Usage
    {
        get
        {
            using var writer = new StringWriter();
            Root.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = writer, Error = writer });
            return writer.ToString();
        }
    }

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
    /// <summary>The suite with the 100,000-worker points too (<see cref="Suite.SuiteSettings.Large"/>).</summary>
    public bool Large { get; init; }

    public bool Quick { get; init; }

    /// <summary>Crash → commit samples per worker per round in the crash-restart mode. Default 20 (10 with --quick).</summary>
    public int Crashes { get; init; } = 20;

    /// <summary>Whether <c>--crashes</c> was given.</summary>
    public bool CrashesGiven { get; init; }

    /// <summary>Whether <c>--rounds</c> was given (the crash-restart mode has its own default).</summary>
    public bool RoundsGiven { get; init; }

    /// <summary>Crash-looping workers (and bare grains) per round in the crash-restart mode: 50, 20 with --quick.</summary>
    public int CrashRestartWorkers => WorkersGiven ? Workers : Quick ? 20 : 50;

    /// <summary>Samples per worker per round in the crash-restart mode: 100 (5,000 a round, so that a round's p99 is its
    /// 50th worst sample, not its 10th: at 20 the p99 ratio moved between 0.7× and 1.8× from round to round), 10 with --quick.</summary>
    public int CrashesPerWorker => CrashesGiven ? Crashes : Quick ? 10 : 100;

    /// <summary>Repetitions in the crash-restart mode: 5, 3 with --quick.</summary>
    public int CrashRestartRounds => RoundsGiven ? Rounds : Quick ? 3 : 5;

    /// <summary>Measurement window per cluster in the telemetry-overhead mode. Default 10 s.</summary>
    public int Seconds { get; init; } = 10;

    /// <summary>Off/on pairs in the telemetry-overhead mode. Default 2.</summary>
    public int Rounds { get; init; } = 2;

    /// <summary>Whether <c>--workers</c> was given (the telemetry-overhead mode has its own default).</summary>
    public bool WorkersGiven { get; init; }

    /// <summary>Run the suite (<c>--suite</c>, or any scenario named).</summary>
    public bool Suite { get; init; }

    /// <summary>The suite's scenarios to run; empty means all.</summary>
    public IReadOnlyList<string> Scenarios { get; init; } = [];

    /// <summary>A suite child process: what it measures (<see cref="Overseer.Bench.Suite.ProbeKind"/>), on which Redis and ServiceId.</summary>
    public string? Probe { get; init; }

    public string? Redis { get; init; }

    public string? ServiceId { get; init; }

    /// <summary>Whether <c>--help</c> (<c>-h</c>, <c>-?</c>) was given.</summary>
    public bool Help { get; init; }

    /// <exception cref="UsageException">An argument is unknown, lacks its value, or is out of range; the message says which.</exception>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var parse = Root.Parse(args);
        if (parse.Action is HelpAction)
        {
            return new BenchOptions { Help = true };
        }

        if (parse.UnmatchedTokens is [var unknown, ..])
        {
            var names = Root.Options.Where(o => o is not HelpOption).Select(o => o.Name).Append("--help").ToArray();
            throw new UsageException($"unknown argument '{unknown}': expected {string.Join(", ", names[..^1])} or {names[^1]}");
        }

        if (parse.Errors is [var error, ..])
        {
            throw new UsageException(error.SymbolResult is OptionResult { Tokens.Count: 0 } missing
                ? $"{missing.Option.Name} needs a value: {Ranges.GetValueOrDefault(missing.Option, "see --help")}"
                : error.Message);
        }

        var options = new BenchOptions
        {
            Workers = parse.GetValue(WorkersOption) ?? 10_000,
            WorkersGiven = parse.GetValue(WorkersOption) is not null,
            Silos = parse.GetValue(SilosOption) ?? 2,
            Concurrency = parse.GetValue(ConcurrencyOption) ?? 200,
            CrashWorkers = parse.GetValue(CrashWorkersOption) ?? 200,
            TelemetryOverhead = parse.GetValue(TelemetryOverheadOption),
            Pool = parse.GetValue(PoolOption),
            ViewLatency = parse.GetValue(ViewLatencyOption),
            CrashRestart = parse.GetValue(CrashRestartOption),
            Evm = parse.GetValue(EvmOption),
            Crashes = parse.GetValue(CrashesOption) ?? 20,
            CrashesGiven = parse.GetValue(CrashesOption) is not null,
            Quick = parse.GetValue(QuickOption),
            Large = parse.GetValue(LargeOption),
            Seconds = parse.GetValue(SecondsOption) ?? 10,
            Rounds = parse.GetValue(RoundsOption) ?? 2,
            RoundsGiven = parse.GetValue(RoundsOption) is not null,
            Scenarios = parse.GetValue(ScenariosArgument) ?? [],
            Probe = parse.GetValue(ProbeOption),
            Redis = parse.GetValue(RedisOption),
            ServiceId = parse.GetValue(ServiceIdOption),
        };
        options = options with { Suite = parse.GetValue(SuiteOption) || options.Scenarios.Count > 0 };
        if (options.Probe is not null && (options.Redis is null || options.ServiceId is null))
        {
            throw new UsageException("--probe needs --redis and --service-id");
        }

        if (options.Quick && !options.CrashRestart && !options.Suite && options.Probe is null)
        {
            throw new UsageException("--quick applies to --crash-restart, --suite or named scenarios only: add one, or leave it out");
        }

        if (options.Large && (options.Quick || !options.Suite))
        {
            throw new UsageException(options.Quick
                ? "--large and --quick contradict each other (the 100,000-worker points, or tiny sizes): choose one"
                : "--large applies to --suite or named scenarios only: add one, or leave it out");
        }

        if (options.CrashesGiven && !options.CrashRestart)
        {
            throw new UsageException("--crashes applies to --crash-restart only: add --crash-restart, or leave it out");
        }

        return options;
    }

    private static RootCommand CreateRoot()
    {
        var root = new RootCommand("Overseer benchmarks; run with: dotnet run -c Release --project bench/Overseer.Bench -- [options]")
        {
            WorkersOption,
            SilosOption,
            ConcurrencyOption,
            CrashWorkersOption,
            TelemetryOverheadOption,
            PoolOption,
            ViewLatencyOption,
            CrashRestartOption,
            EvmOption,
            CrashesOption,
            QuickOption,
            LargeOption,
            SecondsOption,
            RoundsOption,
            SuiteOption,
            ScenariosArgument,
            ProbeOption,
            RedisOption,
            ServiceIdOption,
        };
        foreach (var version in root.Options.OfType<VersionOption>().ToArray())
        {
            root.Options.Remove(version);
        }

        return root;
    }

    private static Argument<string[]> CreateScenarios()
    {
        var argument = new Argument<string[]>("scenario")
        {
            Arity = ArgumentArity.ZeroOrMore,
            Description = $"suite scenarios to run ({string.Join(", ", Overseer.Bench.Suite.SuiteRunner.Scenarios)}), or {Overseer.Bench.Suite.SuiteRunner.All} for every one; implies --suite",
        };
        argument.AcceptOnlyFromAmong([.. Overseer.Bench.Suite.SuiteRunner.Scenarios, Overseer.Bench.Suite.SuiteRunner.All]);
        return argument;
    }

    private static Option<bool> Flag(string name, string description) => new(name) { Description = description, Arity = ArgumentArity.Zero };

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>; null when absent.</summary>
    private static Option<int?> Number(string name, int min, int max, string description)
    {
        var option = new Option<int?>(name)
        {
            Description = description,
            HelpName = "N",
            CustomParser = result =>
            {
                if (result.Tokens is not [var token])
                {
                    return null;
                }

                if (int.TryParse(token.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
                {
                    return value;
                }

                result.AddError($"invalid {name} '{token.Value}': expected a whole number from {min} to {max}");
                return null;
            },
        };
        Ranges[option] = $"a whole number from {min} to {max}";
        return option;
    }
}
