using System.CommandLine;
using System.Globalization;

namespace Overseer.Drill;

/// <summary>The command line, <c>[--minutes N] [--seed S] [--silos N] [--workers N]</c>, declared once on
/// System.CommandLine (parsing and <c>--help</c>).</summary>
internal sealed record DrillOptions
{
    private static readonly Option<int?> MinutesOption = new("--minutes")
    {
        Description = "how long faults and operator actions are injected (1–600; default 5); settling and checking follow",
    };

    private static readonly Option<int?> SeedOption = new("--seed")
    {
        Description = "the seed the schedule is drawn from (0–2147483647; default: a random one, printed); the same seed and sizes replay the same schedule",
    };

    private static readonly Option<int?> SilosOption = new("--silos") { Description = "silo processes at the start (3–8; default 3); at least two stay up throughout" };

    private static readonly Option<int?> WorkersOption = new("--workers") { Description = "workers in the population (12–1000; default 60)" };

    private static readonly RootCommand Root = CreateRoot();

    public int Minutes { get; init; } = 5;

    public int Seed { get; init; }

    public bool SeedChosen { get; init; }

    public int Silos { get; init; } = 3;

    public int Workers { get; init; } = 60;

    public bool Help { get; init; }

    /// <summary>The help text (<c>--help</c>), from the declaration.</summary>
    public static string Usage
    {
        get
        {
            using var writer = new StringWriter(CultureInfo.InvariantCulture);
            Root.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = writer, Error = writer });
            return writer.ToString();
        }
    }

    /// <exception cref="DrillUsageException">The command line is malformed; the message names the token and what is valid.</exception>
    public static DrillOptions Parse(string[] args)
    {
        var result = Root.Parse(args);
        if (result.Errors.Count > 0)
        {
            throw new DrillUsageException(result.Errors[0].Message);
        }

        if (args.Any(a => a is "--help" or "-h" or "-?"))
        {
            return new DrillOptions { Help = true };
        }

        var seed = result.GetValue(SeedOption);
        return new DrillOptions
        {
            Minutes = Within(result.GetValue(MinutesOption), "--minutes", 1, 600) ?? 5,
            Seed = Within(seed, "--seed", 0, int.MaxValue) ?? Random.Shared.Next(),
            SeedChosen = seed is not null,
            Silos = Within(result.GetValue(SilosOption), "--silos", 3, 8) ?? 3,
            Workers = Within(result.GetValue(WorkersOption), "--workers", 12, 1000) ?? 60,
        };
    }

    /// <summary>The command line that replays this drill.</summary>
    public string ReplayCommand => string.Create(
        CultureInfo.InvariantCulture, $"./overseer drill --minutes {Minutes} --seed {Seed} --silos {Silos} --workers {Workers}");

    private static int? Within(int? value, string name, int min, int max) =>
        value is { } v && (v < min || v > max)
            ? throw new DrillUsageException(string.Create(CultureInfo.InvariantCulture, $"invalid {name} '{v}': expected a whole number from {min} to {max}"))
            : value;

    private static RootCommand CreateRoot()
    {
        var root = new RootCommand(
            "overseer drill: a seeded chaos run against a real local cluster (Redis with AOF, silo processes, the reference "
            + "feed, anvil); faults and operator actions on a schedule drawn from the seed, then every promise checked. "
            + "Exit 0 when every promise held, 1 when one broke (the report names the worker, the seq and the seed), 2 for a usage error.")
        {
            MinutesOption, SeedOption, SilosOption, WorkersOption,
        };
        return root;
    }
}
