using System.Globalization;

namespace Overseer.Cli.Commands;

/// <summary>Splits one command's arguments into positionals and <c>--options</c>, and converts option values
/// with errors that name the option, the value and what is valid. <c>--json</c> and <c>--help</c> are always
/// accepted; <c>--name=value</c> is the same as <c>--name value</c>; after <c>--</c> everything is positional
/// (for ids that start with '-'). Positionals named <c>[like-this]</c> are optional.</summary>
internal sealed class ArgReader
{
    private readonly CommandInfo _command;
    private readonly List<string> _positionals = [];
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    /// <param name="command">The command being parsed: its positionals, options and usage.</param>
    /// <param name="args">The arguments after the command name.</param>
    public ArgReader(CommandInfo command, IReadOnlyList<string> args)
    {
        _command = command;
        var positionals = command.Positionals;
        var valueOptions = command.Options;
        var flags = command.Flags ?? [];
        var onlyPositionals = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (onlyPositionals || !arg.StartsWith('-') || arg == "-")
            {
                _positionals.Add(arg);
                continue;
            }

            switch (arg)
            {
                case "--":
                    onlyPositionals = true;
                    continue;
                case "--help" or "-h":
                    Help = true;
                    continue;
                case "--json":
                    Json = true;
                    continue;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                // A lone dash argument that is not an option is most likely an id; let the id rule judge it.
                _positionals.Add(arg);
                continue;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? arg : arg[..equals];
            if (name is "--json" or "--help")
            {
                throw Usage($"option {name} takes no value");
            }

            if (flags.Contains(name, StringComparer.Ordinal))
            {
                _flags.Add(equals < 0 ? name : throw Usage($"option {name} takes no value"));
                continue;
            }

            if (!valueOptions.Contains(name, StringComparer.Ordinal))
            {
                var known = valueOptions.Concat(flags).ToArray();
                throw Usage(known.Length == 0
                    ? $"unknown option '{name}': '{command.Name}' takes only --json"
                    : $"unknown option '{name}': '{command.Name}' takes {string.Join(", ", known)} and --json");
            }

            string value;
            if (equals >= 0)
            {
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }
            else
            {
                throw Usage($"option {name} needs a value");
            }

            if (!_values.TryGetValue(name, out var list))
            {
                _values[name] = list = [];
            }

            list.Add(value);
        }

        if (Help)
        {
            return;
        }

        var required = positionals.Count(p => !p.StartsWith('['));
        if (_positionals.Count < required)
        {
            throw Usage($"missing {positionals[_positionals.Count]}");
        }

        if (_positionals.Count > positionals.Length)
        {
            throw Usage($"unexpected argument '{_positionals[positionals.Length]}'");
        }
    }

    public bool Help { get; }

    public bool Json { get; }

    /// <summary>The positional at <paramref name="index"/>, or null when an optional one was left out.</summary>
    public string? Positional(int index) => index < _positionals.Count ? _positionals[index] : null;

    /// <summary>A worker id positional, checked against the id rule before anything is sent.</summary>
    public string Id(int index)
    {
        var id = _positionals[index];
        return WorkerIds.Validate(id) is { } error ? throw Usage(error) : id;
    }

    /// <summary>Whether a flag (an option without a value, see <see cref="CommandInfo.Flags"/>) was given.</summary>
    public bool Flag(string option) => _flags.Contains(option);

    /// <summary>The value of an option given at most once; null when absent.</summary>
    public string? Value(string option) => _values.TryGetValue(option, out var list)
        ? list.Count == 1 ? list[0] : throw Usage($"option {option} given {list.Count} times; give it once")
        : null;

    /// <summary>The values of a repeatable option, in order.</summary>
    public IReadOnlyList<string> Values(string option) => _values.TryGetValue(option, out var list) ? list : [];

    public string Required(string option, string what) =>
        Value(option) is { Length: > 0 } value ? value : throw Usage($"missing {option} <{what}>");

    public int? Int(string option, int min) =>
        Value(option) is not { } text ? null
        : int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min ? n
        : throw Usage($"invalid {option} '{text}': expected a whole number >= {min}");

    public long? Long(string option, long min) =>
        Value(option) is not { } text ? null
        : long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min ? n
        : throw Usage($"invalid {option} '{text}': expected a whole number >= {min}");

    /// <summary>A positive number of seconds (fractions allowed), as a <see cref="TimeSpan"/>.</summary>
    public TimeSpan? Seconds(string option) =>
        Value(option) is not { } text ? null
        : double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s)
          && s > 0 && s <= int.MaxValue ? TimeSpan.FromSeconds(s)
        : throw Usage($"invalid {option} '{text}': expected a number of seconds > 0");

    /// <summary>An enum value by its <see cref="EnumNames"/> spelling, any case (numbers are not accepted).</summary>
    public TEnum? Choice<TEnum>(string option) where TEnum : struct, Enum
    {
        if (Value(option) is not { } text)
        {
            return null;
        }

        foreach (var value in Enum.GetValues<TEnum>())
        {
            if (string.Equals(Name(value), text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        var names = Enum.GetValues<TEnum>().Select(Name).ToArray();
        throw Usage($"invalid {option} '{text}': expected {string.Join(", ", names[..^1])} or {names[^1]}");
    }

    public UsageException Usage(string message) => new(message, _command.Usage);

    private static string Name<TEnum>(TEnum value) where TEnum : struct, Enum => EnumNames.Of(value);
}
