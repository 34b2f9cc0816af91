using System.Globalization;

namespace Overseer.ReferenceSource.Hosting;

/// <summary>
/// Parses <c>--rate N --urls URLS --heartbeat-ms N --epoch SECONDS</c> (also <c>--name=value</c>) strictly: an unknown argument
/// or a malformed value is refused rather than ignored, so a typo cannot silently run with a default.
/// </summary>
internal static class ReferenceSourceCommandLine
{
    public const string Usage =
        """
        usage: dotnet Overseer.ReferenceSource.dll [--rate N] [--urls URLS] [--heartbeat-ms N] [--epoch SECONDS]
          --rate N          events per second per feed, 1..100000 (default 50)
          --urls URLS       where to listen, ';'-separated (default http://127.0.0.1:5080)
          --heartbeat-ms N  WebSocket heartbeat when there is nothing to send, 10..60000 (default 500)
          --epoch SECONDS   every feed's seq 0 is at this Unix time (seconds, not in the future), so heads survive a
                            restart; default: each feed starts at its first use
        """;

    public static bool IsHelp(IReadOnlyList<string> args) => args is ["--help"] or ["-h"];

    /// <exception cref="CommandLineException">An argument is unknown, lacks its value, or its value is invalid.</exception>
    public static ReferenceSourceOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ReferenceSourceOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var (name, value) = Split(args[i]);
            if (value is null)
            {
                if (name is "--rate" or "--urls" or "--heartbeat-ms" or "--epoch" && i + 1 < args.Count)
                {
                    value = args[++i];
                }
            }

            switch (name)
            {
                case "--rate":
                    options.Rate = Integer(name, value, $"1..{ReferenceSourceOptions.MaxRate}");
                    break;
                case "--heartbeat-ms":
                    options.HeartbeatMs = Integer(name, value, $"{ReferenceSourceOptions.MinHeartbeatMs}..{ReferenceSourceOptions.MaxHeartbeatMs}");
                    break;
                case "--urls":
                    options.Urls = value ?? throw Missing(name, $"absolute http URLs separated by ';', e.g. {ReferenceSourceOptions.DefaultUrls}");
                    break;
                case "--epoch":
                    options.Epoch = value is null ? throw Missing(name, "Unix seconds, e.g. 1764460800")
                        : long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds()
                            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                            : throw new CommandLineException($"--epoch is '{value}': expected Unix seconds (a whole number), e.g. 1764460800");
                    break;
                default:
                    throw new CommandLineException($"unknown argument '{args[i]}': expected --rate N, --urls URLS, --heartbeat-ms N or --epoch SECONDS");
            }
        }

        var result = new ReferenceSourceOptionsValidator().Validate(null, options);
        return result.Failed ? throw new CommandLineException(string.Join(Environment.NewLine, result.Failures)) : options;
    }

    private static (string Name, string? Value) Split(string arg)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? (arg[..equals], arg[(equals + 1)..]) : (arg, null);
    }

    private static int Integer(string name, string? value, string range) =>
        value is null ? throw Missing(name, $"an integer {range}")
        : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
        : throw new CommandLineException($"{name} is '{value}': expected an integer {range}");

    private static CommandLineException Missing(string name, string expected) =>
        new($"{name} needs a value: expected {expected}");
}
