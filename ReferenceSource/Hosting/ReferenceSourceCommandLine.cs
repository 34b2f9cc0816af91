using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Overseer.ReferenceSource.Hosting;

/// <summary>
/// The command line, <c>--rate N --urls URLS --heartbeat-ms N --epoch SECONDS</c> (also <c>--name=value</c>), on
/// System.CommandLine: strict, so an unknown argument or a malformed value is refused rather than ignored and a typo
/// cannot silently run with a default; <c>--help</c> comes from the same declaration.
/// </summary>
internal static class ReferenceSourceCommandLine
{
    private const string EpochExample = "1764460800";

    private static readonly Option<int?> Rate = Integer(
        "--rate", $"1..{ReferenceSourceOptions.MaxRate}", $"events per second per feed, 1..{ReferenceSourceOptions.MaxRate} (default {ReferenceSourceOptions.DefaultRate})");

    private static readonly Option<string?> Urls = new("--urls")
    {
        Description = $"where to listen, ';'-separated (default {ReferenceSourceOptions.DefaultUrls})",
        HelpName = "URLS",
    };

    private static readonly Option<int?> HeartbeatMs = Integer(
        "--heartbeat-ms",
        $"{ReferenceSourceOptions.MinHeartbeatMs}..{ReferenceSourceOptions.MaxHeartbeatMs}",
        $"WebSocket heartbeat when there is nothing to send, {ReferenceSourceOptions.MinHeartbeatMs}..{ReferenceSourceOptions.MaxHeartbeatMs} (default {ReferenceSourceOptions.DefaultHeartbeatMs})");

    private static readonly Option<DateTimeOffset?> Epoch = new("--epoch")
    {
        Description = "every feed's seq 0 is at this Unix time (seconds, not in the future), so heads survive a restart; default: each feed starts at its first use",
        HelpName = "SECONDS",
        CustomParser = result => result.Tokens is [var token]
            ? long.TryParse(token.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds()
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : Invalid<DateTimeOffset>(result, $"--epoch is '{token.Value}': expected Unix seconds (a whole number), e.g. {EpochExample}")
            : null,
    };

    /// <summary>What a missing value should have been, by option.</summary>
    private static readonly Dictionary<Option, string> Expected = new()
    {
        [Rate] = $"an integer 1..{ReferenceSourceOptions.MaxRate}",
        [Urls] = $"absolute http URLs separated by ';', e.g. {ReferenceSourceOptions.DefaultUrls}",
        [HeartbeatMs] = $"an integer {ReferenceSourceOptions.MinHeartbeatMs}..{ReferenceSourceOptions.MaxHeartbeatMs}",
        [Epoch] = $"Unix seconds, e.g. {EpochExample}",
    };

    private static readonly RootCommand Root = Create();

    /// <summary>Writes the help if <paramref name="args"/> ask for it (<c>--help</c>, <c>-h</c>, <c>-?</c>).</summary>
    public static bool TryWriteHelp(IReadOnlyList<string> args, TextWriter output)
    {
        var parse = Root.Parse(args);
        if (parse.Action is not HelpAction)
        {
            return false;
        }

        parse.Invoke(new InvocationConfiguration { Output = output, Error = output });
        return true;
    }

    public static void WriteUsage(TextWriter output) => TryWriteHelp(["--help"], output);

    /// <exception cref="CommandLineException">An argument is unknown, lacks its value, or its value is invalid.</exception>
    public static ReferenceSourceOptions Parse(IReadOnlyList<string> args)
    {
        var parse = Root.Parse(args);
        if (parse.UnmatchedTokens is [var unknown, ..])
        {
            var valid = Root.Options.Where(o => Expected.ContainsKey(o)).Select(o => $"{o.Name} {o.HelpName}").ToArray();
            throw new CommandLineException($"unknown argument '{unknown}': expected {string.Join(", ", valid[..^1])} or {valid[^1]}");
        }

        if (parse.Errors is [var error, ..])
        {
            throw new CommandLineException(error.SymbolResult is OptionResult { Tokens.Count: 0 } option && Expected.TryGetValue(option.Option, out var expected)
                ? $"{option.Option.Name} needs a value: expected {expected}"
                : error.Message);
        }

        var options = new ReferenceSourceOptions
        {
            Rate = parse.GetValue(Rate) ?? ReferenceSourceOptions.DefaultRate,
            Urls = parse.GetValue(Urls) ?? ReferenceSourceOptions.DefaultUrls,
            HeartbeatMs = parse.GetValue(HeartbeatMs) ?? ReferenceSourceOptions.DefaultHeartbeatMs,
            Epoch = parse.GetValue(Epoch),
        };
        var result = new ReferenceSourceOptionsValidator().Validate(null, options);
        return result.Failed ? throw new CommandLineException(string.Join(Environment.NewLine, result.Failures)) : options;
    }

    private static RootCommand Create()
    {
        var root = new RootCommand("The reference event source: deterministic, unbounded feeds over HTTP and WebSocket, with injectable faults.")
        {
            Rate,
            Urls,
            HeartbeatMs,
            Epoch,
        };
        foreach (var version in root.Options.OfType<VersionOption>().ToArray())
        {
            root.Options.Remove(version);
        }

        return root;
    }

    /// <summary>An integer option; the range is checked by <see cref="ReferenceSourceOptionsValidator"/>.</summary>
    private static Option<int?> Integer(string name, string range, string description) => new(name)
    {
        Description = description,
        HelpName = "N",
        CustomParser = result => result.Tokens is [var token]
            ? int.TryParse(token.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? n
                : Invalid<int>(result, $"{name} is '{token.Value}': expected an integer {range}")
            : null,
    };

    private static T? Invalid<T>(ArgumentResult result, string message) where T : struct
    {
        result.AddError(message);
        return null;
    }
}
