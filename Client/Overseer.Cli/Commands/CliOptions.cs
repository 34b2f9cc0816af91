using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Overseer.Cli.Commands;

/// <summary>The kinds of value the commands take, declared once: each converts its token with an error that names
/// the option, the value and what is valid, and remembers what it expects for a missing value's message.</summary>
internal static class CliOptions
{
    private static readonly ConditionalWeakTable<Option, string> ExpectedValues = new();

    /// <summary>What a value option accepts ("a whole number >= 0"), for the message when its value is missing.</summary>
    public static string? Expected(Option option) => ExpectedValues.TryGetValue(option, out var expected) ? expected : null;

    /// <summary>A worker id, checked against the id rule before anything is sent.</summary>
    public static Argument<string> WorkerId()
    {
        var id = new Argument<string>("id") { Description = "the worker id: 1-128 characters of A-Z a-z 0-9 . _ : -" };
        id.Validators.Add(result =>
        {
            if (result.Tokens is [var token] && WorkerIds.Validate(token.Value) is { } error)
            {
                result.AddError(error);
            }
        });
        return id;
    }

    /// <summary>An optional worker id, checked against the id rule before anything is sent.</summary>
    public static Argument<string?> OptionalWorkerId(string description)
    {
        var id = new Argument<string?>("id") { Description = description, Arity = ArgumentArity.ZeroOrOne };
        id.Validators.Add(result =>
        {
            if (result.Tokens is [var token] && WorkerIds.Validate(token.Value) is { } error)
            {
                result.AddError(error);
            }
        });
        return id;
    }

    /// <summary>Any number of worker ids (at least none), each checked against the id rule before anything is sent.</summary>
    public static Argument<string[]> WorkerIdList()
    {
        var ids = new Argument<string[]>("id") { Description = "worker ids: each 1-128 characters of A-Z a-z 0-9 . _ : -", Arity = ArgumentArity.ZeroOrMore };
        ids.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (WorkerIds.Validate(token.Value) is { } error)
                {
                    result.AddError(error);
                    return;
                }
            }
        });
        return ids;
    }

    /// <summary>An option without a value, such as <c>--all</c>.</summary>
    public static Option<bool> Flag(string name, string description) =>
        new(name) { Description = description, Arity = ArgumentArity.Zero };

    /// <summary>A whole number from <paramref name="min"/> (to <paramref name="max"/>, if given); null when absent.</summary>
    public static Option<int?> WholeNumber(string name, string helpName, string description, int min, int? max = null)
    {
        var expected = max is { } top ? $"a whole number from {min} to {top}" : $"a whole number >= {min}";
        return Remember(new Option<int?>(name)
        {
            Description = description,
            HelpName = helpName,
            CustomParser = result => Parse(result, expected, text =>
                int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min && n <= (max ?? int.MaxValue) ? n : (int?)null),
        }, expected);
    }

    /// <summary>A whole number from <paramref name="min"/> (64-bit); null when absent.</summary>
    public static Option<long?> LongNumber(string name, string helpName, string description, long min)
    {
        var expected = $"a whole number >= {min}";
        return Remember(new Option<long?>(name)
        {
            Description = description,
            HelpName = helpName,
            CustomParser = result => Parse(result, expected, text =>
                long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min ? n : (long?)null),
        }, expected);
    }

    /// <summary>A positive number of seconds (fractions allowed), as a <see cref="TimeSpan"/>; null when absent.</summary>
    public static Option<TimeSpan?> Seconds(string name, string description)
    {
        const string Expected = "a number of seconds > 0";
        return Remember(new Option<TimeSpan?>(name)
        {
            Description = description,
            HelpName = "SECONDS",
            CustomParser = result => Parse(result, Expected, text =>
                double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s)
                && s > 0 && s <= int.MaxValue ? TimeSpan.FromSeconds(s) : (TimeSpan?)null),
        }, Expected);
    }

    /// <summary>An enum value by its <see cref="EnumNames"/> spelling, any case (numbers are not accepted); the names
    /// are also its completions and its help name.</summary>
    public static Option<TEnum?> Choice<TEnum>(string name, string description) where TEnum : struct, Enum
    {
        var names = Enum.GetValues<TEnum>().Select(EnumNames.Of).ToArray();
        var expected = $"{string.Join(", ", names[..^1])} or {names[^1]}";
        var option = new Option<TEnum?>(name)
        {
            Description = description,
            HelpName = string.Join('|', names),
            CustomParser = result => Parse(result, expected, text =>
                Enum.GetValues<TEnum>().Where(v => string.Equals(EnumNames.Of(v), text, StringComparison.OrdinalIgnoreCase)).Select(v => (TEnum?)v).FirstOrDefault()),
        };
        option.CompletionSources.Clear(); // System.CommandLine would offer the C# names (Running) too
        option.CompletionSources.Add(names);
        return Remember(option, expected);
    }

    /// <summary>Converts the option's one token with <paramref name="convert"/> (null = invalid), or reports
    /// <c>invalid --name 'value': expected ...</c>.</summary>
    private static T? Parse<T>(ArgumentResult result, string expected, Func<string, T?> convert)
        where T : struct
    {
        if (result.Tokens is not [var token])
        {
            // More than one: System.CommandLine reports "expects a single argument"; none: the missing-value rule.
            return null;
        }

        if (convert(token.Value) is { } value)
        {
            return value;
        }

        result.AddError($"invalid {OptionName(result)} '{token.Value}': expected {expected}");
        return null;
    }

    private static string OptionName(ArgumentResult result) =>
        result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;

    private static TOption Remember<TOption>(TOption option, string expected) where TOption : Option
    {
        ExpectedValues.AddOrUpdate(option, expected);
        return option;
    }
}
